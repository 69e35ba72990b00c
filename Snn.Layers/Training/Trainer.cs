// The training loop: epochs of shuffled batches, loss, backward, clipping, optimizer step, schedule, checkpoints.
using System.Diagnostics;
using System.Globalization;
using Snn.Autograd;
using Snn.Autograd.Optim;
using Snn.IO;
using Snn.Layers.Data;
using Snn.Layers.Models;

namespace Snn.Layers.Training;

/// <summary>Progress within an epoch, reported after every batch.</summary>
public readonly record struct BatchProgress(int Epoch, int Batch, int Batches, double Loss, double Accuracy, double ImagesPerSecond);

/// <summary>What one epoch produced.</summary>
/// <remarks>
/// <see cref="TestAccuracy"/> is that of the weights saved: the averaged ones with <see cref="TrainOptions.Ema"/>,
/// in which case <see cref="LiveTestAccuracy"/> gives the optimizer's own weights for comparison (null otherwise).
/// </remarks>
public sealed record EpochResult(int Epoch, double TrainLoss, double TrainAccuracy, double TestAccuracy, double Seconds, double ImagesPerSecond,
    double? LiveTestAccuracy = null);

/// <summary>
/// Trains a <see cref="SpikingClassifier"/> with cross-entropy on the time-averaged logits. The batch order of
/// epoch e depends only on (seed, e) and every kernel is deterministic for a thread count, so a run that is
/// checkpointed, stopped and resumed ends with the same weights as one that never stopped.
/// </summary>
public sealed class Trainer
{
    private readonly SpikingClassifier _model;
    private readonly Optimizer _optimizer;
    private readonly CosineSchedule _schedule;
    private readonly WeightAverage? _average;
    private readonly int _batchesPerEpoch;

    public TrainOptions Options { get; }

    /// <summary>Epochs completed so far (restored by <see cref="Resume"/>).</summary>
    public int CompletedEpochs { get; private set; }

    public Trainer(SpikingClassifier model, TrainOptions options, int trainCount)
    {
        options.Validate();
        _model = model;
        Options = options;
        var parameters = model.Parameters();
        _optimizer = options.Optimizer switch
        {
            "sgd" => new Sgd(parameters, options.LearningRate, momentum: 0.9f, weightDecay: options.WeightDecay),
            "adamw" => Adam.AdamW(parameters, options.LearningRate, options.WeightDecay),
            _ => new Adam(parameters, options.LearningRate, weightDecay: options.WeightDecay),
        };
        _batchesPerEpoch = (trainCount + options.BatchSize - 1) / options.BatchSize;
        _schedule = new CosineSchedule(options.LearningRate, options.Epochs * _batchesPerEpoch, options.WarmupEpochs * _batchesPerEpoch);
        if (options.Ema > 0) _average = new WeightAverage(model, options.Ema);
    }

    /// <summary>Trains one epoch, then evaluates on <paramref name="test"/>.</summary>
    public EpochResult RunEpoch(ImageDataset train, ImageDataset test, Action<BatchProgress>? progress = null)
    {
        int epoch = CompletedEpochs;
        _model.Train();
        var loader = new DataLoader(train, Options.BatchSize, shuffle: true, Options.Seed, Options.Augment ? new Augmentation(MaxShift: Options.MaxShift) : null);
        double lossSum = 0;
        int correct = 0, seen = 0, batchIndex = 0;
        var clock = Stopwatch.StartNew();
        foreach (var batch in loader.Epoch(epoch))
        {
            _optimizer.LearningRate = _schedule.At(epoch * _batchesPerEpoch + batchIndex);
            // Every activation and gradient of the step is recycled when the scope ends (see TensorScope).
            using (TensorScope.Begin())
            {
                var stepLogits = _model.ForwardTime(Variable.Constant(batch.Images));
                var logits = F.Mean(stepLogits, [0]);
                Variable loss;
                try
                {
                    loss = Options.Loss == "tet"
                        ? Losses.TemporalCrossEntropy(stepLogits, batch.Labels, Options.LabelSmoothing)
                        : F.CrossEntropy(logits, batch.Labels, Options.LabelSmoothing);
                }
                catch (ArithmeticException e)
                {
                    throw new ArithmeticException($"Training diverged at epoch {epoch + 1}, step {batchIndex + 1} (global step {epoch * _batchesPerEpoch + batchIndex + 1}): {e.Message} Try a lower --lr.", e);
                }
                _optimizer.ZeroGrad();
                loss.Backward();
                if (Options.ClipNorm > 0) GradientClipping.ClipNorm(_optimizer.Parameters, Options.ClipNorm);
                _optimizer.Step();
                _average?.Update(_optimizer.StepCount);
                _model.ResetState();
                lossSum += loss.Data.Item() * batch.Labels.Length;
                correct += CountCorrect(logits.Data, batch.Labels);
            }
            seen += batch.Labels.Length;
            batchIndex++;
            progress?.Invoke(new BatchProgress(epoch, batchIndex, loader.BatchCount, lossSum / seen, (double)correct / seen, seen / clock.Elapsed.TotalSeconds));
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        var evaluation = Evaluator.Evaluate(_model, test);
        double? liveAccuracy = null;
        double evaluationSeconds = evaluation.Seconds;
        if (_average is not null)
        {
            liveAccuracy = evaluation.Accuracy;
            using (_average.Apply()) evaluation = Evaluator.Evaluate(_model, test);
            evaluationSeconds += evaluation.Seconds;
        }
        CompletedEpochs++;
        return new EpochResult(CompletedEpochs, lossSum / Math.Max(1, seen), (double)correct / Math.Max(1, seen), evaluation.Accuracy,
            trainSeconds + evaluationSeconds, seen / trainSeconds, liveAccuracy);
    }

    private static int CountCorrect(Tensor logits, int[] labels) => Ops.ArgMax(logits).Where((p, i) => p == labels[i]).Count();

    /// <summary>True for the checkpoint tensors that only a resumed run needs (optimizer state, live weights); loading a model skips them.</summary>
    internal static bool IsTrainingState(string name) =>
        name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) || name.StartsWith(LivePrefix, StringComparison.Ordinal);

    private const string OptimizerPrefix = "optimizer.";

    // With weight averaging the model's own names hold the averages (what `snn eval` should load) and the
    // optimizer's live weights travel under this prefix.
    private const string LivePrefix = "live.";

    /// <summary>
    /// Writes the model, the optimizer state and the progress atomically to <paramref name="path"/>; a crash
    /// mid-write leaves the previous checkpoint intact.
    /// </summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var metadata = new Dictionary<string, string>(extraMetadata ?? new Dictionary<string, string>())
        {
            ["completed_epochs"] = CompletedEpochs.ToString(CultureInfo.InvariantCulture),
            ["optimizer_steps"] = _optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
            ["train_options"] = System.Text.Json.JsonSerializer.Serialize(Options),
        };
        var tensors = _average is null
            ? _model.StateDict().ToList()
            : [.. _average.StateDict(), .. _model.StateDict().Select(s => (LivePrefix + s.name, s.tensor))];
        tensors.AddRange(_optimizer.State().Select(s => (OptimizerPrefix + s.name, s.state)));
        ModelFile.Write(path, _model.Architecture.ToJson(), metadata, tensors);
    }

    /// <summary>Restores weights, optimizer state and progress from a checkpoint written by <see cref="Save"/>.</summary>
    public void Resume(ModelFile file)
    {
        var state = file.Tensors.ToDictionary(t => t.Name, t => t.Tensor);
        var model = state.Where(kv => !IsTrainingState(kv.Key)).ToDictionary();
        var live = WithPrefix(state, LivePrefix);
        if (_average is null != (live.Count == 0))
            throw new InvalidDataException(_average is null
                ? "Resume: the checkpoint was trained with weight averaging (--ema); resume with the same --ema."
                : "Resume: the checkpoint was trained without weight averaging; resume without --ema.");
        // The model's own names hold the weights, or with --ema the averages, which the model checks and carries
        // into the average before the live weights take their place.
        _model.LoadStateDict(model, allowUnexpected: false);
        if (_average is not null)
        {
            _average.Capture();
            _model.LoadStateDict(live, allowUnexpected: false);
        }
        var optimizerState = WithPrefix(state, OptimizerPrefix);
        int steps = int.Parse(file.Metadata.GetValueOrDefault("optimizer_steps", "0"), CultureInfo.InvariantCulture);
        _optimizer.LoadState(optimizerState, steps);
        CompletedEpochs = int.Parse(file.Metadata.GetValueOrDefault("completed_epochs", "0"), CultureInfo.InvariantCulture);
    }

    private static Dictionary<string, Tensor> WithPrefix(Dictionary<string, Tensor> state, string prefix) =>
        state.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}
