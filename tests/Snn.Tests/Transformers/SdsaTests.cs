// SDSA's core: Q gated by spikes of the per-feature column sum of K ⊙ V, with gradients by central differences.
using Snn.Autograd;
using Snn.Tests.Autograd;

namespace Snn.Tests.Transformers;

public class SdsaTests
{
    /// <summary>The neuron is replaced by a sigmoid, so the composition Σ_tokens K ⊙ V → fire → Q ⊙ is differentiable
    /// everywhere and checkable by central differences (the LIF itself is checked against PyTorch in sdsa_core.json).</summary>
    [Fact]
    public void SpikeDrivenSelfAttention_Gradients_MatchCentralDifferences()
    {
        var rng = new Rng(4);
        GradCheck.Check("SDSA", v => F.SpikeDrivenSelfAttention(v[0], v[1], v[2], F.Sigmoid),
            rng.Uniform(-1f, 1f, 2, 1, 2, 3, 4), rng.Uniform(-1f, 1f, 2, 1, 2, 3, 4), rng.Uniform(-1f, 1f, 2, 1, 2, 3, 4));
    }

    [Fact]
    public void SpikeDrivenSelfAttention_GatesEveryTokenOfQ_ByTheColumnSumOfKV()
    {
        // One step, one head, 3 tokens, 2 features. Σ_tokens k⊙v = [0, 2]: feature 1 fires (≥ 0.5), feature 0 does not.
        var q = new Tensor([1f, 1f, 0f, 1f, 1f, 0f], 1, 1, 1, 3, 2);
        var k = new Tensor([1f, 1f, 1f, 1f, 0f, 0f], 1, 1, 1, 3, 2);
        var v = new Tensor([0f, 1f, 0f, 1f, 1f, 1f], 1, 1, 1, 3, 2);
        var fire = (Variable x) => F.Neuron(x, Snn.Kernels.NeuronSpec.Lif(tau: 1f, vThreshold: 0.5f));
        var y = F.SpikeDrivenSelfAttention(Variable.Constant(q), Variable.Constant(k), Variable.Constant(v), fire);
        Assert.Equal([0f, 1f, 0f, 1f, 0f, 0f], y.Data.ToArray());
    }
}
