// Spike-driven Transformer (Yao et al., NeurIPS 2023): membrane shortcuts and SDSA, so no layer multiplies.
using Snn.Autograd;
using Snn.Layers.Attention;
using Snn.Layers.Neurons;

namespace Snn.Layers.Models;

/// <summary>
/// sdt-{depth}-{dim}: MS-SPS tokenizer → depth × [x + SDSA(x); x + MLP(x)] → mean over tokens → LIF → Linear,
/// averaged over T. The residual stream carries BN outputs (membrane potentials) and every sub-block starts with a
/// LIF, so each conv/linear after the first sees spikes. Names and conv weight shapes match the official
/// model/spikeformer.py and module/*.py; SDT-2-512 on 32×32 CIFAR-10 has 10.23 M parameters (paper: 10.28 M).
/// </summary>
public sealed class SpikeDrivenTransformer : SpikingClassifier
{
    private readonly SpikeDrivenTokenizer _patchEmbed;
    private readonly Sequential _blocks;
    private readonly SpikingNeuron _headLif;
    private readonly Linear _head;

    public SpikeDrivenTransformer(Architecture architecture, ulong seed = 0) : base(architecture)
    {
        architecture.ValidateTransformer();
        var rng = new Rng(seed);
        var (dim, neuron) = (architecture.Dim, architecture.Neuron);
        _patchEmbed = Child("patch_embed", new SpikeDrivenTokenizer(architecture.Input, dim, architecture.TimeSteps, neuron, rng));
        _blocks = Child("block", new Sequential(Enumerable.Range(0, architecture.Depth)
            .Select(_ => (Module)new TransformerBlock(new SpikeDrivenAttention(dim, architecture.Heads, neuron, rng), new PreActivationMlp(dim, 4 * dim, neuron, rng)))
            .ToArray()));
        _headLif = Child("head_lif", neuron.CreateLayer());
        _head = Child("head", new Linear(dim, architecture.Classes, rng: rng));
    }

    /// <summary>images [N, C, H, W] → logits per step [T, N, K].</summary>
    public override Variable ForwardTime(Variable images) =>
        _head.Forward(_headLif.Forward(F.Mean(_blocks.Forward(_patchEmbed.Forward(images)), [2])));
}

/// <summary>
/// MS-SPS: conv3×3 (no bias) + BN + LIF to D/8, D/4, D/2, then conv3×3 + BN to D whose output x is both the
/// membrane shortcut and, through LIF → conv3×3 → BN, the relative position embedding: tokens = x + RPE(x).
/// Max-pool (3, 2, 1) follows the stages marked in the official pooling_stat: "0011" (the CIFAR configs, used
/// here below 64×64: 32×32 → 64 tokens, 28×28 → 49) or "1111" (ImageNet, DVS128). In the last stage the pool acts
/// on BN outputs, before the LIF, as in the official code. images [N, C, H, W] → tokens [T, N, L, D].
/// </summary>
public sealed class SpikeDrivenTokenizer : Module
{
    private readonly int _timeSteps;
    private readonly (Conv2d conv, BatchNorm bn)[] _stages = new (Conv2d, BatchNorm)[4];
    private readonly SpikingNeuron[] _lifs = new SpikingNeuron[4];
    private readonly MaxPool2d?[] _pools = new MaxPool2d?[4];
    private readonly Conv2d _rpeConv;
    private readonly BatchNorm _rpeBn;

    public SpikeDrivenTokenizer(int[] input, int dim, int timeSteps, NeuronConfig neuron, Rng rng)
    {
        _timeSteps = timeSteps;
        bool poolAll = Math.Min(input[1], input[2]) >= 64;
        int[] widths = [input[0], dim / 8, dim / 4, dim / 2, dim];
        string[] suffix = ["", "1", "2", "3"];
        for (int i = 0; i < 4; i++)
        {
            _stages[i] = (Child($"proj_conv{suffix[i]}", new Conv2d(widths[i], widths[i + 1], 3, padding: 1, bias: false, rng: rng)),
                Child($"proj_bn{suffix[i]}", BatchNorm.TwoD(widths[i + 1])));
            if (i < 3) _lifs[i] = Child($"proj_lif{suffix[i]}", neuron.CreateLayer());
            if (poolAll || i >= 2) _pools[i] = Child($"maxpool{suffix[i]}", new MaxPool2d(3, 2, 1));
        }
        _lifs[3] = Child("proj_lif3", neuron.CreateLayer());
        _rpeConv = Child("rpe_conv", new Conv2d(dim, dim, 3, padding: 1, bias: false, rng: rng));
        _rpeBn = Child("rpe_bn", BatchNorm.TwoD(dim));
    }

    public override Variable Forward(Variable images)
    {
        var (conv0, bn0) = _stages[0];
        var x = BatchNormFolding.ImageConvBnNeuron(conv0, bn0, _lifs[0], images, _timeSteps, _pools[0]);
        for (int i = 1; i < 3; i++)
        {
            x = BatchNormFolding.ConvBn(_stages[i].conv, _stages[i].bn, x);
            x = _pools[i] is { } pool ? _lifs[i].ForwardPooled(x, pool) : _lifs[i].Forward(x);
        }
        var shortcut = BatchNormFolding.ConvBn(_stages[3].conv, _stages[3].bn, x);
        if (_pools[3] is { } last) shortcut = last.Forward(shortcut);
        var rpe = BatchNormFolding.ConvBn(_rpeConv, _rpeBn, _lifs[3].Forward(shortcut));
        return TokenLayout.FromFeatureMap(F.Add(shortcut, rpe));
    }
}
