// The Spike-driven Transformer's attention block (SDSA) with its membrane shortcut.
using Snn.Autograd;
using Snn.Layers.Models;
using Snn.Layers.Neurons;

namespace Snn.Layers.Attention;

/// <summary>
/// SDSA block (Yao et al., Spike-driven Transformer, NeurIPS 2023; MS_SSA_Conv of the official code):
/// s = LIF(x) (shortcut_lif); Q, K, V = LIF(BN(Conv2d_1×1(s))) without bias;
/// y = BN(Conv2d_1×1(Q ⊙ LIF_{v_th 0.5}(Σ_tokens K ⊙ V))) with bias. x and y are real tokens [T, N, L, D]: the
/// "membrane shortcut" residual adds BN outputs. The official code also registers attn_lif and a talking_heads
/// Conv1d that its forward never uses; they are left out here (64 parameters per block at 8 heads).
/// </summary>
public sealed class SpikeDrivenAttention : Module, ISynapticLayer
{
    private readonly int _heads;
    private readonly (PointwiseConv conv, BatchNorm bn, SpikingNeuron lif) _q, _k, _v;
    private readonly SpikingNeuron _talkingHeadsLif, _shortcutLif;
    private readonly PointwiseConv _projConv;
    private readonly BatchNorm _projBn;

    public SpikeDrivenAttention(int dim, int heads, NeuronConfig neuron, Rng rng)
    {
        _heads = heads;
        _q = Branch("q", dim, neuron, rng);
        _k = Branch("k", dim, neuron, rng);
        _v = Branch("v", dim, neuron, rng);
        _talkingHeadsLif = Child("talking_heads_lif", neuron.CreateLayer(vThreshold: 0.5f));
        _projConv = Child("proj_conv", new PointwiseConv(dim, dim, spatialDims: 2, rng: rng));
        _projBn = Child("proj_bn", BatchNorm.OneD(dim));
        _shortcutLif = Child("shortcut_lif", neuron.CreateLayer());
    }

    private (PointwiseConv, BatchNorm, SpikingNeuron) Branch(string name, int dim, NeuronConfig neuron, Rng rng) =>
        (Child($"{name}_conv", new PointwiseConv(dim, dim, spatialDims: 2, bias: false, rng: rng)), Child($"{name}_bn", BatchNorm.OneD(dim)),
         Child($"{name}_lif", neuron.CreateLayer()));

    private static Variable Run((PointwiseConv conv, BatchNorm bn, SpikingNeuron lif) branch, Variable s) =>
        branch.lif.Forward(BatchNormFolding.PointwiseBn(branch.conv, branch.bn, s));

    public SynapticActivity? Activity { get; private set; }

    public void ClearActivity() => Activity = null;

    public override Variable Forward(Variable x)
    {
        var s = _shortcutLif.Forward(x);
        var q = TokenLayout.SplitHeads(Run(_q, s), _heads);
        var k = TokenLayout.SplitHeads(Run(_k, s), _heads);
        var v = TokenLayout.SplitHeads(Run(_v, s), _heads);
        if (ActivityRecorder.IsRecording)
        {
            var a = AttentionSops.SpikeDrivenSelfAttention(q.Data, k.Data, v.Data);
            Activity = Activity is null ? a : Activity.Plus(a);
        }
        var attention = TokenLayout.MergeHeads(F.SpikeDrivenSelfAttention(q, k, v, _talkingHeadsLif.Forward));
        return BatchNormFolding.PointwiseBn(_projConv, _projBn, attention);
    }
}
