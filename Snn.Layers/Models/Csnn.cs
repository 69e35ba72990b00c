// The convolutional SNN of SpikingJelly's Fashion-MNIST example, and of ../shared/interop.
using Snn.Autograd;
using Snn.Layers.Neurons;
using Snn.Layers.Training;

namespace Snn.Layers.Models;

/// <summary>
/// csnn: for each entry c of channels, conv3×3 (pad 1, no bias) → BN → LIF → maxpool 2; then flatten → fc.
/// Direct encoding feeds the image at every step, so the first conv + BN see the same input T times: they run
/// once on [N, ...] and the result is repeated over T (identical output, batch statistics and gradients).
/// Parameter names follow the PyTorch state_dict: conv1, bn1, conv2, bn2, …, fc.
/// </summary>
public sealed class Csnn : SpikingClassifier
{
    private readonly (Conv2d conv, BatchNorm bn, SpikingNeuron neuron, MaxPool2d pool)[] _stages;
    private readonly Linear _fc;
    private readonly Rng _poissonRng = new(12345);

    public Csnn(Architecture architecture, ulong seed = 0) : base(architecture)
    {
        if (architecture.Channels.Length == 0) throw new ArgumentException("csnn: needs at least one entry in channels.");
        if (architecture.Encoding is not ("direct" or "poisson"))
            throw new ArgumentException($"csnn: unknown encoding '{architecture.Encoding}' (direct or poisson).");
        var rng = new Rng(seed);
        int channels = architecture.Input[0], height = architecture.Input[1], width = architecture.Input[2];
        _stages = new (Conv2d, BatchNorm, SpikingNeuron, MaxPool2d)[architecture.Channels.Length];
        for (int i = 0; i < _stages.Length; i++)
        {
            int outChannels = architecture.Channels[i];
            var conv = Child($"conv{i + 1}", new Conv2d(channels, outChannels, 3, padding: 1, bias: false, rng: rng));
            var bn = Child($"bn{i + 1}", BatchNorm.TwoD(outChannels));
            var neuron = Child($"lif{i + 1}", architecture.Neuron.CreateLayer());
            var pool = Child($"pool{i + 1}", new MaxPool2d(2));
            _stages[i] = (conv, bn, neuron, pool);
            (channels, height, width) = (outChannels, height / 2, width / 2);
        }
        _fc = Child("fc", new Linear(channels * height * width, architecture.Classes, rng: rng));
    }

    public override Variable ForwardTime(Variable images)
    {
        var (conv1, bn1, neuron1, pool1) = _stages[0];
        Variable x = Architecture.Encoding == "direct"
            ? BatchNormFolding.ImageConvBnNeuron(conv1, bn1, neuron1, images, TimeSteps, pool1)
            : neuron1.ForwardPooled(bn1.Forward(conv1.Forward(Variable.Constant(Encoders.Poisson(images.Data, TimeSteps, _poissonRng)))), pool1);
        for (int i = 1; i < _stages.Length; i++)
        {
            var (conv, bn, neuron, pool) = _stages[i];
            x = BatchNormFolding.ConvBnNeuron(conv, bn, neuron, x, pool);
        }
        return _fc.Forward(F.Flatten(x, 2));
    }
}
