// Spikingformer's spiking self-attention block: pre-activation, so every 1×1 conv sees spikes.
using Snn.Autograd;
using Snn.Layers.Models;
using Snn.Layers.Neurons;

namespace Snn.Layers.Attention;

/// <summary>
/// Spikingformer's SSA (Zhou et al., 2023, CIFAR code): s = LIF(x) first (proj_lif), then Q, K, V =
/// LIF(BN(Conv1d_1×1(s))) without bias; y = BN(Conv1d_1×1(LIF_{v_th 0.5}((Q·Kᵀ)·V · 0.125))) with bias.
/// x and y are real-valued tokens [T, N, L, D]: the residual stream adds BN outputs, and spikes appear only
/// where a conv needs input. Child names and weight shapes follow the official state_dict.
/// </summary>
public sealed class SpikingformerAttention : Module, ISynapticLayer
{
    private readonly int _heads;
    private readonly SpikingNeuron _projLif, _attnLif;
    private readonly (PointwiseConv conv, BatchNorm bn, SpikingNeuron lif) _q, _k, _v;
    private readonly PointwiseConv _projConv;
    private readonly BatchNorm _projBn;

    public SpikingformerAttention(int dim, int heads, NeuronConfig neuron, Rng rng)
    {
        _heads = heads;
        _projLif = Child("proj_lif", neuron.CreateLayer());
        _q = Branch("q", dim, neuron, rng);
        _k = Branch("k", dim, neuron, rng);
        _v = Branch("v", dim, neuron, rng);
        _attnLif = Child("attn_lif", neuron.CreateLayer(vThreshold: 0.5f));
        _projConv = Child("proj_conv", new PointwiseConv(dim, dim, spatialDims: 1, rng: rng));
        _projBn = Child("proj_bn", BatchNorm.OneD(dim));
    }

    private (PointwiseConv, BatchNorm, SpikingNeuron) Branch(string name, int dim, NeuronConfig neuron, Rng rng) =>
        (Child($"{name}_conv", new PointwiseConv(dim, dim, spatialDims: 1, bias: false, rng: rng)), Child($"{name}_bn", BatchNorm.OneD(dim)),
         Child($"{name}_lif", neuron.CreateLayer()));

    private static Variable Run((PointwiseConv conv, BatchNorm bn, SpikingNeuron lif) branch, Variable s) =>
        branch.lif.Forward(BatchNormFolding.PointwiseBn(branch.conv, branch.bn, s));

    public SynapticActivity? Activity { get; private set; }

    public void ClearActivity() => Activity = null;

    public override Variable Forward(Variable x)
    {
        var s = _projLif.Forward(x);
        var q = TokenLayout.SplitHeads(Run(_q, s), _heads);
        var k = TokenLayout.SplitHeads(Run(_k, s), _heads);
        var v = TokenLayout.SplitHeads(Run(_v, s), _heads);
        if (ActivityRecorder.IsRecording)
        {
            var a = AttentionSops.SpikingSelfAttention(q.Data, k.Data, v.Data);
            Activity = Activity is null ? a : Activity.Plus(a);
        }
        var attention = _attnLif.Forward(TokenLayout.MergeHeads(F.SpikingSelfAttention(q, k, v, SpikformerAttention.Scale)));
        return BatchNormFolding.PointwiseBn(_projConv, _projBn, attention);
    }
}
