// Spikformer (Zhou et al., ICLR 2023), CIFAR variant: spiking patch splitting, SSA blocks, linear head.
using Snn.Autograd;
using Snn.Layers.Attention;
using Snn.Layers.Neurons;

namespace Snn.Layers.Models;

/// <summary>
/// spikformer-{depth}-{dim}: SPS tokenizer → depth × [x + SSA(x); x + MLP(x)] → mean over tokens → Linear,
/// averaged over T. Residual streams carry spike counts (0, 1, 2, …). State-dict names match the official
/// cifar10/model.py (patch_embed.*, block.{i}.attn.*, block.{i}.mlp.*, head.*); Spikformer-4-384 on 32×32 has
/// 9.32 M parameters. Weights start from PyTorch's default init, not the paper's trunc_normal(0.02).
/// </summary>
public sealed class Spikformer : SpikingClassifier
{
    private readonly SpikformerTokenizer _patchEmbed;
    private readonly Sequential _blocks;
    private readonly Linear _head;

    public Spikformer(Architecture architecture, ulong seed = 0) : base(architecture)
    {
        architecture.ValidateTransformer();
        var rng = new Rng(seed);
        var (dim, neuron) = (architecture.Dim, architecture.Neuron);
        _patchEmbed = Child("patch_embed", new SpikformerTokenizer(architecture.Input[0], dim, architecture.TimeSteps, neuron, rng));
        _blocks = Child("block", new Sequential(Enumerable.Range(0, architecture.Depth)
            .Select(_ => (Module)new TransformerBlock(new SpikformerAttention(dim, architecture.Heads, neuron, rng), new PostActivationMlp(dim, 4 * dim, neuron, rng)))
            .ToArray()));
        _head = Child("head", new Linear(dim, architecture.Classes, rng: rng));
    }

    /// <summary>images [N, C, H, W] → logits per step [T, N, K]. The paper takes head(mean_t(·)); the head is affine, so
    /// the mean over T of per-step logits is the same.</summary>
    public override Variable ForwardTime(Variable images) =>
        _head.Forward(F.Mean(_blocks.Forward(_patchEmbed.Forward(images)), [2]));
}

/// <summary>
/// Spiking Patch Splitting (SPS): four conv3×3 (no bias) + BN + LIF stages to D/8, D/4, D/2, D channels, max-pool
/// (3, 2, 1) after the last two (32×32 → 8×8 = 64 tokens, 28×28 → 7×7 = 49), then a relative position embedding
/// RPE = LIF(BN(conv3×3(x))) added to x. images [N, C, H, W] → tokens [T, N, L, D]. The first conv sees the same
/// image at every step (direct encoding), so it runs once and its BN output is repeated over T.
/// </summary>
public sealed class SpikformerTokenizer : Module
{
    private readonly int _timeSteps;
    private readonly (Conv2d conv, BatchNorm bn, SpikingNeuron lif)[] _stages = new (Conv2d, BatchNorm, SpikingNeuron)[4];
    private readonly MaxPool2d _maxpool2, _maxpool3;
    private readonly (Conv2d conv, BatchNorm bn, SpikingNeuron lif) _rpe;

    public SpikformerTokenizer(int inChannels, int dim, int timeSteps, NeuronConfig neuron, Rng rng)
    {
        _timeSteps = timeSteps;
        _stages[0] = Stage("proj_conv", "proj_bn", "proj_lif", inChannels, dim / 8, neuron, rng);
        _stages[1] = Stage("proj_conv1", "proj_bn1", "proj_lif1", dim / 8, dim / 4, neuron, rng);
        _stages[2] = Stage("proj_conv2", "proj_bn2", "proj_lif2", dim / 4, dim / 2, neuron, rng);
        _maxpool2 = Child("maxpool2", new MaxPool2d(3, 2, 1));
        _stages[3] = Stage("proj_conv3", "proj_bn3", "proj_lif3", dim / 2, dim, neuron, rng);
        _maxpool3 = Child("maxpool3", new MaxPool2d(3, 2, 1));
        _rpe = Stage("rpe_conv", "rpe_bn", "rpe_lif", dim, dim, neuron, rng);
    }

    private (Conv2d, BatchNorm, SpikingNeuron) Stage(string conv, string bn, string lif, int inChannels, int outChannels, NeuronConfig neuron, Rng rng) =>
        (Child(conv, new Conv2d(inChannels, outChannels, 3, padding: 1, bias: false, rng: rng)), Child(bn, BatchNorm.TwoD(outChannels)), Child(lif, neuron.CreateLayer()));

    public override Variable Forward(Variable images)
    {
        var (conv0, bn0, lif0) = _stages[0];
        var x = BatchNormFolding.ImageConvBnNeuron(conv0, bn0, lif0, images, _timeSteps);
        x = Run(_stages[1], x);
        x = Run(_stages[2], x, _maxpool2);
        x = Run(_stages[3], x, _maxpool3);
        x = F.Add(x, Run(_rpe, x));
        return TokenLayout.FromFeatureMap(x);
    }

    private static Variable Run((Conv2d conv, BatchNorm bn, SpikingNeuron lif) stage, Variable x, MaxPool2d? pool = null) =>
        BatchNormFolding.ConvBnNeuron(stage.conv, stage.bn, stage.lif, x, pool);
}
