// The settings of a training run, saved in checkpoints so a resumed run continues with the same ones.
namespace Snn.Layers.Training;

/// <summary>
/// Hyper-parameters of <see cref="Trainer"/>. Optimizer: "adam", "adamw" or "sgd" (momentum 0.9).
/// <see cref="Augment"/>: random horizontal flips and shifts of up to <see cref="MaxShift"/> pixels
/// (<see cref="Data.Augmentation"/>; 0 = flips only). Loss: "mean" (cross-entropy of the time-averaged logits) or
/// "tet" (<see cref="Losses.TemporalCrossEntropy"/>). <see cref="Ema"/>: decay of the weight average that is
/// evaluated and saved (<see cref="WeightAverage"/>; 0 = off, the optimizer's weights are saved).
/// </summary>
public sealed record TrainOptions(
    int Epochs = 10,
    int BatchSize = 64,
    float LearningRate = 1e-3f,
    string Optimizer = "adam",
    float WeightDecay = 0f,
    float LabelSmoothing = 0f,
    double ClipNorm = 0,
    int WarmupEpochs = 0,
    ulong Seed = 0,
    bool Augment = false,
    int MaxShift = 2,
    string Loss = "mean",
    float Ema = 0f)
{
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs must be ≥ 1, got {Epochs}.");
        if (BatchSize < 1) throw new ArgumentException($"batch must be ≥ 1, got {BatchSize}.");
        if (!(LearningRate > 0)) throw new ArgumentException($"lr must be > 0, got {LearningRate}.");
        if (MaxShift < 0) throw new ArgumentException($"max-shift must be ≥ 0, got {MaxShift}.");
        if (Loss is not ("mean" or "tet")) throw new ArgumentException($"loss must be mean or tet, got '{Loss}'.");
        if (!(Ema >= 0 && Ema < 1)) throw new ArgumentException($"ema must be 0 (off) or in (0, 1), got {Ema}.");
        if (Optimizer is not ("adam" or "adamw" or "sgd")) throw new ArgumentException($"optimizer must be adam, adamw or sgd, got '{Optimizer}'.");
    }
}
