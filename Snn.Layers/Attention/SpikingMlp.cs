// The two-layer spiking MLPs of the transformer blocks, post-activation (Spikformer) and pre-activation.
using Snn.Autograd;
using Snn.Layers.Models;
using Snn.Layers.Neurons;

namespace Snn.Layers.Attention;

/// <summary>
/// Spikformer's MLP: LIF(BN(Linear(LIF(BN(Linear(x)))))) with D → hidden → D and biases; ends in spikes.
/// Names fc1_linear, fc1_bn, fc1_lif, fc2_… as the official state_dict.
/// </summary>
public sealed class PostActivationMlp : Module
{
    private readonly Linear _fc1Linear, _fc2Linear;
    private readonly BatchNorm _fc1Bn, _fc2Bn;
    private readonly SpikingNeuron _fc1Lif, _fc2Lif;

    public PostActivationMlp(int dim, int hidden, NeuronConfig neuron, Rng rng)
    {
        _fc1Linear = Child("fc1_linear", new Linear(dim, hidden, rng: rng));
        _fc1Bn = Child("fc1_bn", BatchNorm.OneD(hidden));
        _fc1Lif = Child("fc1_lif", neuron.CreateLayer());
        _fc2Linear = Child("fc2_linear", new Linear(hidden, dim, rng: rng));
        _fc2Bn = Child("fc2_bn", BatchNorm.OneD(dim));
        _fc2Lif = Child("fc2_lif", neuron.CreateLayer());
    }

    public override Variable Forward(Variable x)
    {
        var h = BatchNormFolding.LinearBnNeuron(_fc1Linear, _fc1Bn, _fc1Lif, x);
        return BatchNormFolding.LinearBnNeuron(_fc2Linear, _fc2Bn, _fc2Lif, h);
    }
}

/// <summary>
/// The pre-activation MLP of SDT and Spikingformer: BN(Conv_1×1(LIF(BN(Conv_1×1(LIF(x)))))) with biases, so both
/// convs see spikes and the output is a BN value for the residual stream. <paramref name="first"/> and
/// <paramref name="second"/> name the two stages as the official code does (fc1/fc2 in SDT, mlp1/mlp2 in
/// Spikingformer); weights keep the Conv2d shape [O, I, 1, 1].
/// </summary>
public sealed class PreActivationMlp : Module
{
    private readonly SpikingNeuron _lif1, _lif2;
    private readonly PointwiseConv _conv1, _conv2;
    private readonly BatchNorm _bn1, _bn2;

    public PreActivationMlp(int dim, int hidden, NeuronConfig neuron, Rng rng, string first = "fc1", string second = "fc2")
    {
        _lif1 = Child($"{first}_lif", neuron.CreateLayer());
        _conv1 = Child($"{first}_conv", new PointwiseConv(dim, hidden, spatialDims: 2, rng: rng));
        _bn1 = Child($"{first}_bn", BatchNorm.OneD(hidden));
        _lif2 = Child($"{second}_lif", neuron.CreateLayer());
        _conv2 = Child($"{second}_conv", new PointwiseConv(hidden, dim, spatialDims: 2, rng: rng));
        _bn2 = Child($"{second}_bn", BatchNorm.OneD(dim));
    }

    public override Variable Forward(Variable x)
    {
        var h = BatchNormFolding.PointwiseBn(_conv1, _bn1, _lif1.Forward(x));
        return BatchNormFolding.PointwiseBn(_conv2, _bn2, _lif2.Forward(h));
    }
}
