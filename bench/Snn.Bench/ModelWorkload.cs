// Times a whole zoo model: one training step (forward, loss, backward, Adam) or one inference batch.
using Snn.Autograd;
using Snn.Autograd.Optim;
using Snn.Layers.Models;

namespace Snn.Bench;

/// <summary>
/// A training step is what the trainer does per batch: forward over T steps, cross-entropy on the time-averaged
/// logits, zero_grad, backward, Adam (lr 1e-3), reset of neuron state. An inference batch is eval mode under
/// NoGrad. Batch 64 of random 28×28 images (seeded); torch_bench.py builds the same model with torch.
/// A model the zoo does not have yet is reported as unavailable, not as a crash. Each step runs in a
/// <see cref="TensorScope"/>, as the trainer's do, so bytes/step is what a steady-state training step allocates.
/// </summary>
public sealed class ModelWorkload(string name, string label, Func<Architecture> architecture, bool training, int batch = 64, int seed = 0)
    : IBenchWorkload
{
    public string Name => name;
    public bool HasTorchPeer => true;

    public static ModelWorkload CsnnTrain() => new("csnn-train", "csnn train step", () => Architecture.Csnn(), training: true);

    public static ModelWorkload CsnnInfer() => new("csnn-infer", "csnn infer batch", () => Architecture.Csnn(), training: false);

    public static ModelWorkload SpikformerTrain() => new("spikformer-train", "spikformer-2-64 train step", Spikformer, training: true);

    public static ModelWorkload SpikformerInfer() => new("spikformer-infer", "spikformer-2-64 infer batch", Spikformer, training: false);

    /// <summary>Spikformer-2-64: 2 blocks, dim 64, 4 heads, T = 4, on 1×28×28 (SPS down to 7×7 tokens).</summary>
    private static Architecture Spikformer() =>
        new("spikformer", [], TimeSteps: 4, Input: [1, 28, 28], Classes: 10, new NeuronConfig(), Depth: 2, Dim: 64, Heads: 4);

    public IReadOnlyList<BenchFigure> Measure(BenchRunner runner)
    {
        SpikingClassifier model;
        try { model = ModelZoo.Create(architecture(), (ulong)seed); }
        catch (ArgumentException e) { return [BenchFigure.Missing(label, $"model not available ({e.Message})")]; }
        var rng = new Random(seed);
        var pixels = new float[batch * 28 * 28];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)rng.NextDouble();
        var images = new Tensor(pixels, batch, 1, 28, 28);
        var labels = Enumerable.Range(0, batch).Select(_ => rng.Next(10)).ToArray();
        var timing = runner.Measure(label, training ? TrainStep(model, images, labels) : InferBatch(model, images));
        return [BenchFigure.Of(label, timing, withBytes: true)];
    }

    private static Action TrainStep(SpikingClassifier model, Tensor images, int[] labels)
    {
        model.Train();
        var optimizer = new Adam(model.Parameters(), 1e-3f);
        return () =>
        {
            using var scope = TensorScope.Begin();
            var loss = F.CrossEntropy(model.Forward(Variable.Constant(images)), labels);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            model.ResetState();
        };
    }

    private static Action InferBatch(SpikingClassifier model, Tensor images)
    {
        model.Eval();
        return () =>
        {
            using (TensorScope.Begin())
            using (GradMode.NoGrad()) model.Forward(Variable.Constant(images));
            model.ResetState();
        };
    }
}
