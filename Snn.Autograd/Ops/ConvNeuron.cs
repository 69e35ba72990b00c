// A convolution followed by spiking neurons (and a max pool): one fused pass for inference on spikes, the ops in turn otherwise.
using Snn.Backends;
using Snn.Kernels;

namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// Neuron(Conv2d(x, weight, bias, stride, padding), spec, membrane), then MaxPool2d(poolKernel, poolStride,
    /// poolPadding) when <paramref name="poolKernel"/> &gt; 0, for time-major x [T, ..., C, H, W]: a spiking CNN
    /// stage with its BN folded into the conv. Without a graph, on the CPU backend and for spike inputs (where
    /// <see cref="Conv2d"/> would take <see cref="SpikeConv2dKernel"/>; from rest, every sample at most
    /// <see cref="SpikeConv2dKernel.MaxDensity"/> ones) it runs <see cref="SpikeConvNeuronKernel"/>: the same spikes,
    /// with the currents never written. Otherwise it is exactly the ops.
    /// </summary>
    public static Variable Conv2dNeuron(Variable x, Variable weight, Variable? bias, int stride, int padding, NeuronSpec spec,
        Tensor? membrane = null, int poolKernel = 0, int poolStride = 0, int poolPadding = 0)
    {
        bool graph = GradMode.Enabled && (x.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false));
        if (graph || Backend.Current is not CpuBackend || x.Data.Rank < 4 || weight.Data.Rank != 4 || x.Data.Shape[^3] != weight.Data.Shape[1])
            return ConvThenNeuron(x, weight, bias, stride, padding, spec, membrane, poolKernel, poolStride, poolPadding, sparseSpikes: null);
        var input = x.Data.Contiguous();
        // A carried membrane is advanced as the kernel goes, so the input is scanned before it starts (and the
        // convolution the fallback runs is told the answer); from rest, the kernel checks each sample as it reads it.
        if (membrane is not null && !SpikeConv2dKernel.IsSparseSpikes(input.Span))
            return ConvThenNeuron(x, weight, bias, stride, padding, spec, membrane, poolKernel, poolStride, poolPadding, sparseSpikes: false);
        var ws = weight.Data.Shape;
        var lead = x.Data.ShapeArray()[..^3];
        var g = Conv2dGeometry.Create(Tensor.ElementCount(lead), ws[1], x.Data.Shape[^2], x.Data.Shape[^1], ws[0], ws[2], ws[3], stride, padding);
        Pool2dGeometry? pool = poolKernel > 0 ? new Pool2dGeometry(1, g.OutChannels, g.OutH, g.OutW, poolKernel, poolStride, poolPadding) : null;
        var y = Tensor.Uninitialized([.. lead, g.OutChannels, pool?.OutHeight ?? g.OutH, pool?.OutWidth ?? g.OutW]);
        ReadOnlySpan<float> w = weight.Data.Contiguous().Span, b = bias is null ? default : bias.Data.Contiguous().Span;
        if (membrane is not null) SpikeConvNeuronKernel.Forward(input.Span, w, b, g, x.Data.Shape[0], spec, pool, y.Span, membrane.Span);
        else if (!SpikeConvNeuronKernel.TryForward(input.Span, w, b, g, x.Data.Shape[0], spec, pool, y.Span))
            return ConvThenNeuron(x, weight, bias, stride, padding, spec, membrane, poolKernel, poolStride, poolPadding, sparseSpikes: null);
        return Variable.Constant(y);
    }

    /// <summary>
    /// Neuron(RepeatTime(Conv2d(images, weight, bias, stride, padding), timeSteps), spec, membrane), then MaxPool2d
    /// when <paramref name="poolKernel"/> &gt; 0: the first stage of a direct-encoded model, whose image [N, C, H, W]
    /// enters at every step. Without a graph, on the CPU backend, it runs <see cref="ImageConvNeuronKernel"/>: the
    /// same spikes, [T, N, O, …], with the currents never written. Otherwise (or for a patch C·kh·kw over the kernel's
    /// limit) it is exactly the ops, the convolution computed once.
    /// </summary>
    public static Variable ImageConv2dNeuron(Variable images, Variable weight, Variable? bias, int stride, int padding, int timeSteps,
        NeuronSpec spec, Tensor? membrane = null, int poolKernel = 0, int poolStride = 0, int poolPadding = 0)
    {
        bool graph = GradMode.Enabled && (images.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false));
        ReadOnlySpan<int> xs = images.Data.Shape, ws = weight.Data.Shape;
        var g = xs.Length == 4 && ws.Length == 4 ? Conv2dGeometry.Create(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], stride, padding) : default;
        if (graph || Backend.Current is not CpuBackend || xs.Length != 4 || ws.Length != 4 || !ImageConvNeuronKernel.Supports(g))
        {
            var currents = RepeatTime(Conv2d(images, weight, bias, stride, padding), timeSteps);
            return poolKernel > 0 ? NeuronMaxPool2d(currents, spec, poolKernel, poolStride, poolPadding, membrane) : Neuron(currents, spec, membrane);
        }
        Pool2dGeometry? pool = poolKernel > 0 ? new Pool2dGeometry(g.Batch, g.OutChannels, g.OutH, g.OutW, poolKernel, poolStride, poolPadding) : null;
        var y = Tensor.Uninitialized([timeSteps, g.Batch, g.OutChannels, pool?.OutHeight ?? g.OutH, pool?.OutWidth ?? g.OutW]);
        ImageConvNeuronKernel.Forward(images.Data.Contiguous().Span, weight.Data.Contiguous().Span, bias is null ? default : bias.Data.Contiguous().Span,
            g, timeSteps, spec, pool, y.Span, membrane is null ? default : membrane.Span);
        return Variable.Constant(y);
    }

    private static Variable ConvThenNeuron(Variable x, Variable weight, Variable? bias, int stride, int padding, NeuronSpec spec, Tensor? membrane,
        int poolKernel, int poolStride, int poolPadding, bool? sparseSpikes)
    {
        var currents = Conv2d(x, weight, bias, stride, padding, sparseSpikes);
        return poolKernel > 0 ? NeuronMaxPool2d(currents, spec, poolKernel, poolStride, poolPadding, membrane) : Neuron(currents, spec, membrane);
    }
}
