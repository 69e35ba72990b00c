// Learning-rate schedule: linear warm-up, then cosine decay.
namespace Snn.Layers.Training;

/// <summary>
/// lr(step) = base·step/warmup during warm-up, then min + (base − min)·(1 + cos(π·progress))/2 over the
/// remaining steps (progress from 0 to 1). Step counts from 0.
/// </summary>
public sealed record CosineSchedule(float BaseLearningRate, int TotalSteps, int WarmupSteps = 0, float MinLearningRate = 0f)
{
    public float At(int step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return BaseLearningRate * (step + 1) / WarmupSteps;
        int decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return (float)(MinLearningRate + (BaseLearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * progress)) / 2);
    }
}
