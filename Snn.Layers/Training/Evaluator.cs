// Runs a classifier over a dataset without gradients: accuracy, predictions, logits and timing.
using System.Diagnostics;
using Snn.Autograd;
using Snn.Layers.Data;
using Snn.Layers.Models;

namespace Snn.Layers.Training;

/// <summary>The outcome of one evaluation pass.</summary>
public sealed record Evaluation(double Accuracy, int[] Predictions, float[][] Logits, double Seconds, int Batches, int Images)
{
    public double MillisecondsPerBatch => Batches == 0 ? 0 : Seconds * 1000 / Batches;
    public double MillisecondsPerImage => Images == 0 ? 0 : Seconds * 1000 / Images;
}

public static class Evaluator
{
    /// <summary>
    /// Evaluates in eval mode (running BN statistics) under NoGrad. With <paramref name="recordActivity"/> the
    /// synaptic layers record their inputs (for SOPs); that costs one scan per layer and is off for timing runs.
    /// </summary>
    public static Evaluation Evaluate(SpikingClassifier model, ImageDataset data, int batchSize = 256, bool recordActivity = false, bool keepLogits = false)
    {
        bool wasTraining = model.Training;
        model.Eval();
        var predictions = new int[data.Count];
        var logits = keepLogits ? new float[data.Count][] : [];
        int correct = 0, at = 0, batches = 0;
        var clock = Stopwatch.StartNew();
        using (GradMode.NoGrad())
        using (recordActivity ? ActivityRecorder.Record() : null)
        {
            foreach (var batch in new DataLoader(data, batchSize, shuffle: false).Epoch(0))
            using (TensorScope.Begin())
            {
                var y = model.Forward(Variable.Constant(batch.Images)).Data;
                var best = Ops.ArgMax(y);
                for (int i = 0; i < batch.Labels.Length; i++)
                {
                    predictions[at] = best[i];
                    if (keepLogits) logits[at] = y.Select(i).ToArray();
                    if (best[i] == batch.Labels[i]) correct++;
                    at++;
                }
                batches++;
                model.ResetState();
            }
        }
        clock.Stop();
        model.Train(wasTraining);
        return new Evaluation((double)correct / Math.Max(1, data.Count), predictions, logits, clock.Elapsed.TotalSeconds, batches, data.Count);
    }
}
