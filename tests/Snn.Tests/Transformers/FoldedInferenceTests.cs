// Inference folds every conv/linear + BN pair of the transformers and fuses each neuron + max pool of their tokenizers;
// the logits must equal the unfolded eval path within 1e-4.
// (β > 0 keeps these small random networks firing, so a fold that drops the mean, γ or β changes spikes and fails.)
using Snn.Autograd;
using Snn.Layers;
using Snn.Layers.Models;

namespace Snn.Tests.Transformers;

public class FoldedInferenceTests
{
    [Theory]
    [InlineData("spikformer")]
    [InlineData("sdt")]
    [InlineData("spikingformer")]
    public void NoGradEval_WithFoldedBatchNorms_EqualsUnfoldedEval(string model)
    {
        var net = ModelZoo.Create(new Architecture(model, [], 2, [1, 16, 16], 10, new NeuronConfig(), Depth: 1, Dim: 16, Heads: 2), seed: 3);
        var images = Variable.Constant(new Rng(5).Uniform(0f, 1f, 4, 1, 16, 16));
        // Random BN affine parameters (γ, β start at 1, 0), so a fold that drops one of them changes spikes.
        // Set before the statistics passes: with β > 0 every layer fires, so the statistics are of live activity.
        var random = new Random(7);
        foreach (var (_, module) in net.Modules())
            if (module is BatchNorm bn)
            {
                foreach (ref float g in bn.Weight.Data.Span) g = 0.5f + (float)random.NextDouble();
                foreach (ref float b in bn.Bias.Data.Span) b = (float)random.NextDouble() + 0.2f; // positive: keeps every layer firing
            }
        // A few training-mode batches move every BN's running statistics away from (0, 1), so folding changes weights.
        for (int i = 0; i < 20; i++)
        {
            using (GradMode.NoGrad()) net.Forward(Variable.Constant(new Rng((ulong)(10 + i)).Uniform(0f, 1f, 8, 1, 16, 16)));
            net.ResetState();
        }
        net.Eval();
        // With grad mode on, the parameters build a graph and every BN runs as its own op: the unfolded reference.
        var want = net.Forward(images).Data.Contiguous().Span.ToArray();
        net.ResetState();
        float[] got;
        using (GradMode.NoGrad()) got = net.Forward(images).Data.Contiguous().Span.ToArray();
        Assert.Equal(want.Length, got.Length);
        Assert.NotEqual(want[..10], want[10..20]); // spikes reach the head: the images get different logits
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - got[i]) <= 1e-4f * (1 + Math.Abs(want[i])), $"[{i}] {want[i]} vs {got[i]}");
    }
}
