// Spikingformer (Zhou et al., 2023): Spikformer with pre-activation blocks, so every conv but the first sees spikes.
using Snn.Autograd;
using Snn.Layers.Attention;
using Snn.Layers.Neurons;

namespace Snn.Layers.Models;

/// <summary>
/// spikingformer-{depth}-{dim}: spiking tokenizer → depth × [x + SSA(x); x + MLP(x)] with LIF → conv → BN
/// sub-blocks (the residual adds BN outputs) → mean over tokens → Linear, averaged over T. Names and conv weight
/// shapes match the official cifar10/model.py; Spikingformer-4-384 on 32×32 has 9.32 M parameters.
/// </summary>
public sealed class Spikingformer : SpikingClassifier
{
    private readonly SpikingformerTokenizer _patchEmbed;
    private readonly Sequential _blocks;
    private readonly Linear _head;

    public Spikingformer(Architecture architecture, ulong seed = 0) : base(architecture)
    {
        architecture.ValidateTransformer();
        var rng = new Rng(seed);
        var (dim, neuron) = (architecture.Dim, architecture.Neuron);
        _patchEmbed = Child("patch_embed", new SpikingformerTokenizer(architecture.Input[0], dim, architecture.TimeSteps, neuron, rng));
        _blocks = Child("block", new Sequential(Enumerable.Range(0, architecture.Depth)
            .Select(_ => (Module)new TransformerBlock(new SpikingformerAttention(dim, architecture.Heads, neuron, rng),
                new PreActivationMlp(dim, 4 * dim, neuron, rng, "mlp1", "mlp2")))
            .ToArray()));
        _head = Child("head", new Linear(dim, architecture.Classes, rng: rng));
    }

    /// <summary>images [N, C, H, W] → logits per step [T, N, K] (head is affine: same as the paper's head(mean_t)).</summary>
    public override Variable ForwardTime(Variable images) =>
        _head.Forward(F.Mean(_blocks.Forward(_patchEmbed.Forward(images)), [2]));
}

/// <summary>
/// Spiking tokenizer: block0 = conv3×3 + BN to D/8 (no LIF: it encodes the image), then blocks 1–4 =
/// LIF → [max-pool (3, 2, 1) in blocks 3 and 4] → conv3×3 (no bias) → BN to D/4, D/2, D, D. No relative position
/// embedding. Output: BN values as tokens [T, N, L, D] (32×32 → 64 tokens, 28×28 → 49). Block 0 runs once on the
/// static image and is repeated over T.
/// </summary>
public sealed class SpikingformerTokenizer : Module
{
    private readonly int _timeSteps;
    private readonly (SpikingNeuron? lif, MaxPool2d? pool, Conv2d conv, BatchNorm bn)[] _blocks = new (SpikingNeuron?, MaxPool2d?, Conv2d, BatchNorm)[5];

    public SpikingformerTokenizer(int inChannels, int dim, int timeSteps, NeuronConfig neuron, Rng rng)
    {
        _timeSteps = timeSteps;
        int[] widths = [inChannels, dim / 8, dim / 4, dim / 2, dim, dim];
        for (int i = 0; i < 5; i++)
        {
            var lif = i == 0 ? null : Child($"block{i}_lif", neuron.CreateLayer());
            var pool = i >= 3 ? Child($"block{i}_mp", new MaxPool2d(3, 2, 1)) : null;
            _blocks[i] = (lif, pool, Child($"block{i}_conv", new Conv2d(widths[i], widths[i + 1], 3, padding: 1, bias: false, rng: rng)),
                Child($"block{i}_bn", BatchNorm.TwoD(widths[i + 1])));
        }
    }

    public override Variable Forward(Variable images)
    {
        var x = BatchNormFolding.ImageConvBnNeuron(_blocks[0].conv, _blocks[0].bn, _blocks[1].lif!, images, _timeSteps, _blocks[1].pool);
        x = BatchNormFolding.ConvBn(_blocks[1].conv, _blocks[1].bn, x);
        for (int i = 2; i < 5; i++)
        {
            var (lif, pool, conv, bn) = _blocks[i];
            x = pool is null ? lif!.Forward(x) : lif!.ForwardPooled(x, pool);
            x = BatchNormFolding.ConvBn(conv, bn, x);
        }
        return TokenLayout.FromFeatureMap(x);
    }
}
