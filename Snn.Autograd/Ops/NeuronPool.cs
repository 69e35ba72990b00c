// A spiking neuron followed by max pooling: one fused pass for inference, the two ops in turn when a graph is built.
using Snn.Backends;
using Snn.Kernels;

namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// MaxPool2d(Neuron(x, spec, membrane), kernel, stride, padding) for x [T, ..., C, H, W]: the spiking CNN stage's
    /// fire-then-pool. Without a graph on the CPU backend it runs <see cref="NeuronPoolKernel"/> (same values, the
    /// full-size spikes never written); otherwise it is exactly the two ops.
    /// </summary>
    public static Variable NeuronMaxPool2d(Variable x, NeuronSpec spec, int kernel, int stride, int padding = 0, Tensor? membrane = null)
    {
        if ((GradMode.Enabled && x.RequiresGrad) || Backend.Current is not CpuBackend)
            return MaxPool2d(Neuron(x, spec, membrane), kernel, stride, padding);
        if (x.Data.Rank < 4) throw new ArgumentException($"NeuronMaxPool2d: input must be [T, ..., C, H, W], got {Tensor.ShapeText(x.Data.Shape)}.");
        int timeSteps = x.Data.Shape[0];
        var (all, lead) = PoolGeometry("NeuronMaxPool2d", x.Data, kernel, stride, padding);
        var source = RepeatedStep(x.Data) ?? x.Data.Contiguous();
        var y = Tensor.Uninitialized([.. lead, all.Channels, all.OutHeight, all.OutWidth]);
        NeuronPoolKernel.ForwardSpikesPooled(source.Span, timeSteps, spec, all with { Batch = all.Batch / timeSteps }, y.Span,
            membrane is null ? default : membrane.Span);
        return Variable.Constant(y);
    }
}
