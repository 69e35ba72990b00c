// A multi-step spiking neuron layer: charge → fire → reset over [T, N, ...], run by the backend's fused kernel.
using Snn.Autograd;
using Snn.Kernels;

namespace Snn.Layers.Neurons;

/// <summary>
/// A layer of spiking neurons, one per input element, run over all T steps at once (time-major input).
/// The dynamics are set by <see cref="NeuronSpec"/> (IF, LIF, the SpikeDHS decay neuron; reset; surrogate).
/// </summary>
public class SpikingNeuron(NeuronSpec spec) : Module
{
    private Tensor? _membrane;

    public NeuronSpec Spec { get; protected set; } = spec;

    /// <summary>
    /// When true, the membrane potential left after one forward pass is where the next one starts, so a sequence
    /// can be fed step by step ([1, N, ...] at a time) and give the same spikes as feeding all T steps at once.
    /// <see cref="Module.ResetState"/> returns every neuron to rest. When false (default) every call starts at rest.
    /// </summary>
    public bool CarryState { get; set; }

    public static SpikingNeuron Lif(float tau = 2f, float vThreshold = 1f, float? vReset = 0f, bool decayInput = true,
        bool detachReset = true, Surrogate? surrogate = null) =>
        new(NeuronSpec.Lif(tau, vThreshold, vReset, decayInput, detachReset, surrogate));

    public static SpikingNeuron If(float vThreshold = 1f, float? vReset = 0f, Surrogate? surrogate = null) =>
        new(NeuronSpec.If(vThreshold, vReset, surrogate: surrogate));

    public static SpikingNeuron DecayLif(float decay = 0.2f, float vThreshold = 0.5f) => new(NeuronSpec.DecayLif(decay, vThreshold));

    public override Variable Forward(Variable x) => F.Neuron(x, Spec, Membrane(x));

    /// <summary>
    /// pool.Forward(Forward(x)), the fire-then-pool of a spiking CNN stage: one fused pass each way
    /// (<see cref="F.NeuronMaxPool2d"/>) with the same spikes and gradients.
    /// </summary>
    public virtual Variable ForwardPooled(Variable x, MaxPool2d pool) =>
        F.NeuronMaxPool2d(x, Spec, pool.Kernel, pool.Stride, pool.Padding, Membrane(x));

    /// <summary>
    /// Forward(F.Linear(x, weight, bias)), a transformer's linear layer (BN folded in) and its neurons; in inference
    /// on spikes one fused pass (<see cref="F.LinearNeuron"/>) with the same spikes.
    /// </summary>
    public virtual Variable ForwardLinear(Variable x, Variable weight, Variable? bias) =>
        F.LinearNeuron(x, weight, bias, Spec, Membrane(x.Data.Length / x.Data.Shape[^1] / x.Data.Shape[0] * weight.Data.Shape[0]));

    /// <summary>
    /// Forward(F.Conv2d(x, weight, bias, stride, padding)), then <paramref name="pool"/> when given: a spiking CNN
    /// stage with its BN folded into the conv; in inference on spikes one fused pass (<see cref="F.Conv2dNeuron"/>)
    /// with the same spikes.
    /// </summary>
    public virtual Variable ForwardConv(Variable x, Variable weight, Variable? bias, int stride, int padding, MaxPool2d? pool = null)
    {
        ReadOnlySpan<int> xs = x.Data.Shape, ws = weight.Data.Shape;
        // The neurons of one step: the convolution's output over the images of one step.
        var step = Conv2dGeometry.Create(x.Data.Length / xs[0] / (ws[1] * xs[^2] * xs[^1]), ws[1], xs[^2], xs[^1], ws[0], ws[2], ws[3], stride, padding);
        return F.Conv2dNeuron(x, weight, bias, stride, padding, Spec, Membrane(step.OutputLength), pool?.Kernel ?? 0, pool?.Stride ?? 0, pool?.Padding ?? 0);
    }

    /// <summary>
    /// Forward of the currents F.Conv2d(images, weight, bias, stride, padding) repeated over
    /// <paramref name="timeSteps"/>, then <paramref name="pool"/> when given: a direct-encoded model's first stage with
    /// its BN folded into the conv; in inference one fused pass (<see cref="F.ImageConv2dNeuron"/>) with the same
    /// spikes.
    /// </summary>
    public virtual Variable ForwardImageConv(Variable images, Variable weight, Variable? bias, int stride, int padding, int timeSteps,
        MaxPool2d? pool = null)
    {
        ReadOnlySpan<int> xs = images.Data.Shape, ws = weight.Data.Shape;
        int perStep = xs.Length == 4 && ws.Length == 4
            ? Conv2dGeometry.Create(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], stride, padding).OutputLength
            : 0;
        return F.ImageConv2dNeuron(images, weight, bias, stride, padding, timeSteps, Spec, perStep == 0 ? null : Membrane(perStep),
            pool?.Kernel ?? 0, pool?.Stride ?? 0, pool?.Padding ?? 0);
    }

    /// <summary>
    /// Forward(bn.Forward(x)), then <paramref name="pool"/> when given: the batch norm that feeds a layer of neurons.
    /// While the batch norm trains (and no membrane is carried) it is one op, <see cref="F.BatchNormNeuron"/>, that
    /// keeps neither the normalised currents nor h; otherwise the layers in turn.
    /// </summary>
    public virtual Variable ForwardNormalised(BatchNorm bn, Variable x, MaxPool2d? pool = null)
    {
        if (!bn.Training || CarryState)
        {
            var currents = bn.Forward(x);
            return pool is null ? Forward(currents) : ForwardPooled(currents, pool);
        }
        var spikes = F.BatchNormNeuron(x, bn.Weight, bn.Bias, bn.RunningMean, bn.RunningVar, bn.ChannelDim, Spec, bn.Epsilon, bn.Momentum);
        return pool is null ? spikes : pool.Forward(spikes);
    }

    /// <summary>The carried membrane [elements per step] when <see cref="CarryState"/> is on (at rest the first time), else null.</summary>
    protected Tensor? Membrane(Variable x) => Membrane(x.Data.Length / x.Data.Shape[0]);

    private Tensor? Membrane(int perStep)
    {
        if (!CarryState) return null;
        if (_membrane is null || _membrane.Length != perStep)
            using (TensorScope.Suspend()) _membrane = Tensor.Full(Spec.VReset ?? 0f, perStep);
        return _membrane;
    }

    public override void ResetState()
    {
        _membrane = null;
        base.ResetState();
    }
}
