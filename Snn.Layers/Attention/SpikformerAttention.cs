// Spikformer's spiking self-attention block (SSA): spike Q, K, V, attention without softmax, post-activation.
using Snn.Autograd;
using Snn.Layers.Models;
using Snn.Layers.Neurons;

namespace Snn.Layers.Attention;

/// <summary>
/// SSA (Zhou et al., Spikformer, ICLR 2023), as its CIFAR code: Q, K, V = LIF(BN(Linear(x))) with bias;
/// y = LIF(BN(Linear(LIF_{v_th 0.5}((Q·Kᵀ)·V · 0.125)))). x and y are tokens [T, N, L, D]; y is spikes, so the
/// block's residual stream x + SSA(x) holds spike counts. Child names follow the official state_dict.
/// Records the attention products for SOPs (see <see cref="AttentionSops.SpikingSelfAttention"/>).
/// </summary>
public sealed class SpikformerAttention : Module, ISynapticLayer
{
    /// <summary>The paper's fixed scale: keeps (Q·Kᵀ)·V, a count of coincident spikes, near the 0.5 threshold.</summary>
    public const float Scale = 0.125f;

    private readonly int _heads;
    private readonly (Linear linear, BatchNorm bn, SpikingNeuron lif) _q, _k, _v, _proj;
    private readonly SpikingNeuron _attnLif;

    public SpikformerAttention(int dim, int heads, NeuronConfig neuron, Rng rng)
    {
        _heads = heads;
        _q = Branch("q", dim, neuron, rng);
        _k = Branch("k", dim, neuron, rng);
        _v = Branch("v", dim, neuron, rng);
        _attnLif = Child("attn_lif", neuron.CreateLayer(vThreshold: 0.5f));
        _proj = Branch("proj", dim, neuron, rng);
    }

    private (Linear, BatchNorm, SpikingNeuron) Branch(string name, int dim, NeuronConfig neuron, Rng rng) =>
        (Child($"{name}_linear", new Linear(dim, dim, rng: rng)), Child($"{name}_bn", BatchNorm.OneD(dim)), Child($"{name}_lif", neuron.CreateLayer()));

    private static Variable Run((Linear linear, BatchNorm bn, SpikingNeuron lif) branch, Variable x) =>
        BatchNormFolding.LinearBnNeuron(branch.linear, branch.bn, branch.lif, x);

    public SynapticActivity? Activity { get; private set; }

    public void ClearActivity() => Activity = null;

    public override Variable Forward(Variable x)
    {
        var (q, k, v) = (Run(_q, x), Run(_k, x), Run(_v, x));
        if (ActivityRecorder.IsRecording)
        {
            var a = AttentionSops.SpikingSelfAttention(TokenLayout.SplitHeads(q, _heads).Data, TokenLayout.SplitHeads(k, _heads).Data, TokenLayout.SplitHeads(v, _heads).Data);
            Activity = Activity is null ? a : Activity.Plus(a);
        }
        var attention = _attnLif.Forward(F.SpikingSelfAttentionTokens(q, k, v, _heads, Scale));
        return Run(_proj, attention);
    }
}
