// Inference with a batch norm folded into the conv or linear layer before it: one pass instead of two.
using System.Numerics.Tensors;
using Snn.Autograd;
using Snn.Kernels;
using Snn.Layers.Neurons;

namespace Snn.Layers;

/// <summary>
/// BN(conv(x)) and BN(linear(x)) for inference (in training, the BN and the neurons after it run as one op, see
/// <see cref="SpikingNeuron.ForwardNormalised"/>). In eval mode, without a graph and while no activity is being
/// recorded, the layer runs once with W' = W·s per output channel and bias b' = (b − μ)·s + β, where
/// s = γ/√(running_var + ε) (the same float scale the BN eval kernel uses); otherwise it is the layer, then the BN.
/// The folded weights are recomputed on every call (they are small next to the activations), so a model that
/// trains between evaluations needs no invalidation. Outputs equal the unfolded ones up to float rounding.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>bn(conv(x)) for a BatchNorm2d over conv's output channels.</summary>
    public static Variable ConvBn(Conv2d conv, BatchNorm bn, Variable x)
    {
        if (!CanFold(bn, -3)) return bn.Forward(conv.Forward(x));
        var (weight, bias) = Fold(conv.Weight.Data, conv.Bias?.Data, bn);
        return F.Conv2d(x, Variable.Constant(weight), Variable.Constant(bias), conv.Stride, conv.Padding);
    }

    /// <summary>pool(neuron(bn(conv(x)))), or neuron(bn(conv(x))) without a pool: folded, the conv, the neurons and
    /// the pool run as one pass on spikes (<see cref="SpikingNeuron.ForwardConv"/>).</summary>
    public static Variable ConvBnNeuron(Conv2d conv, BatchNorm bn, SpikingNeuron neuron, Variable x, MaxPool2d? pool = null)
    {
        if (!CanFold(bn, -3)) return neuron.ForwardNormalised(bn, conv.Forward(x), pool);
        var (weight, bias) = Fold(conv.Weight.Data, conv.Bias?.Data, bn);
        return neuron.ForwardConv(x, Variable.Constant(weight), Variable.Constant(bias), conv.Stride, conv.Padding, pool);
    }

    /// <summary>
    /// pool(neuron(bn(conv(images)) repeated over <paramref name="timeSteps"/>)), or without the pool: a
    /// direct-encoded model's first stage. Folded, the conv, the neurons and the pool run as one pass
    /// (<see cref="SpikingNeuron.ForwardImageConv"/>); otherwise the conv and BN run once and their output is repeated.
    /// </summary>
    public static Variable ImageConvBnNeuron(Conv2d conv, BatchNorm bn, SpikingNeuron neuron, Variable images, int timeSteps, MaxPool2d? pool = null)
    {
        if (!CanFold(bn, -3))
        {
            var currents = F.RepeatTime(bn.Forward(conv.Forward(images)), timeSteps);
            return pool is null ? neuron.Forward(currents) : neuron.ForwardPooled(currents, pool);
        }
        var (weight, bias) = Fold(conv.Weight.Data, conv.Bias?.Data, bn);
        return neuron.ForwardImageConv(images, Variable.Constant(weight), Variable.Constant(bias), conv.Stride, conv.Padding, timeSteps, pool);
    }

    /// <summary>bn(linear(x)) for a BatchNorm1d over linear's output features.</summary>
    public static Variable LinearBn(Linear linear, BatchNorm bn, Variable x)
    {
        if (!CanFold(bn, -1)) return bn.Forward(linear.Forward(x));
        var (weight, bias) = Fold(linear.Weight.Data, linear.Bias?.Data, bn);
        return F.Linear(x, Variable.Constant(weight), Variable.Constant(bias));
    }

    /// <summary>neuron(bn(linear(x))): folded, the linear layer and the neurons run as one pass on spikes
    /// (<see cref="SpikingNeuron.ForwardLinear"/>).</summary>
    public static Variable LinearBnNeuron(Linear linear, BatchNorm bn, SpikingNeuron neuron, Variable x)
    {
        if (!CanFold(bn, -1)) return neuron.ForwardNormalised(bn, linear.Forward(x));
        var (weight, bias) = Fold(linear.Weight.Data, linear.Bias?.Data, bn);
        return neuron.ForwardLinear(x, Variable.Constant(weight), Variable.Constant(bias));
    }

    /// <summary>bn(conv(x)) for a 1×1 conv over tokens and a BatchNorm1d over its output features.</summary>
    public static Variable PointwiseBn(PointwiseConv conv, BatchNorm bn, Variable x)
    {
        if (!CanFold(bn, -1)) return bn.Forward(conv.Forward(x));
        var (weight, bias) = Fold(conv.Weight.Data, conv.Bias?.Data, bn);
        return F.Linear(x, Variable.Constant(weight.Reshape(conv.OutChannels, conv.InChannels)), Variable.Constant(bias));
    }

    private static bool CanFold(BatchNorm bn, int channelDim) =>
        !bn.Training && !GradMode.Enabled && !ActivityRecorder.IsRecording && bn.ChannelDim == channelDim;

    /// <summary>weight [O, ...], bias [O] or none → W' [O, ...], b' [O].</summary>
    public static (Tensor weight, Tensor bias) Fold(Tensor weight, Tensor? bias, BatchNorm bn)
    {
        int outputs = weight.Shape[0], perOutput = weight.Length / outputs;
        if (bn.Weight.Data.Length != outputs)
            throw new ArgumentException($"BatchNormFolding: {bn.Weight.Data.Length} BN channels for a layer with {outputs} outputs.");
        var w = weight.Contiguous().Span;
        Span<float> gamma = bn.Weight.Data.Span, beta = bn.Bias.Data.Span, mean = bn.RunningMean.Span, variance = bn.RunningVar.Span;
        // Inference folds on every call (a serial stretch between parallel kernels): one vector multiply per row.
        var folded = Tensor.Zeros(weight.ShapeArray());
        var shift = Tensor.Zeros(outputs);
        var fw = folded.Span;
        var fb = shift.Span;
        for (int o = 0; o < outputs; o++)
        {
            float s = BatchNormKernel.EvalScale(gamma[o], variance[o], bn.Epsilon);
            TensorPrimitives.Multiply(w.Slice(o * perOutput, perOutput), s, fw.Slice(o * perOutput, perOutput));
            fb[o] = ((bias is null ? 0f : bias.Span[o]) - mean[o]) * s + beta[o];
        }
        return (folded, shift);
    }
}
