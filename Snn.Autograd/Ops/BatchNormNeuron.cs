// A training batch norm and the spiking neurons after it as one op that keeps neither the currents nor h.
using Snn.Backends;
using Snn.Kernels;

namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// Neuron(BatchNorm(x, γ, β, …, training: true), spec) for x [T, ...] with the channels after T: the same
    /// spikes, gradients and running-statistics update as the two ops in turn. On the CPU backend one pass normalises
    /// and fires (<see cref="NeuronKernel.ForwardNormalised"/>) and backward recomputes h from x
    /// (<see cref="NeuronKernel.BackwardNormalised"/>), so the graph keeps only x, which the batch norm's backward
    /// reads anyway, instead of x, the currents and h. Elsewhere (another backend, channels on the time dim, or a
    /// channel block that a vector of neurons would straddle) it is the two ops.
    /// </summary>
    public static Variable BatchNormNeuron(Variable x, Variable gamma, Variable beta, Tensor runningMean, Tensor runningVar, int channelDim,
        NeuronSpec spec, float epsilon = 1e-5f, float momentum = 0.1f)
    {
        spec.Validate();
        var g = BatchNormShape(x, gamma, beta, runningMean, runningVar, channelDim);
        // One position per channel × spatial value: the pattern of per-neuron statistics that repeats along a step.
        int period = g.Channels * g.Spatial;
        if (Backend.Current is not CpuBackend || x.Data.NormalizeDim(channelDim) == 0 || period % NeuronKernel.PreferredLanes != 0)
            return Neuron(BatchNorm(x, gamma, beta, runningMean, runningVar, channelDim, training: true, epsilon, momentum), spec);

        int timeSteps = x.Data.Shape[0];
        g = g with { Steps = timeSteps };
        var input = x.Data.Contiguous();
        var mean = Tensor.Zeros(g.Channels);
        var invStd = Tensor.Zeros(g.Channels);
        var normalise = Tensor.Uninitialized(3, period);
        var perChannel = Tensor.Uninitialized(2, g.Channels);
        Span<float> scale = perChannel.Span[..g.Channels], shift = perChannel.Span[g.Channels..];
        BatchNormKernel.TrainStatistics(input.Span, gamma.Data.Span, beta.Data.Span, g, epsilon, momentum, mean.Span, invStd.Span,
            runningMean.Span, runningVar.Span, scale, shift);
        var positions = normalise.Span;
        for (int c = 0; c < g.Channels; c++)
        {
            positions.Slice(c * g.Spatial, g.Spatial).Fill(mean.Span[c]);
            positions.Slice(period + c * g.Spatial, g.Spatial).Fill(scale[c]);
            positions.Slice(2 * period + c * g.Spatial, g.Spatial).Fill(shift[c]);
        }
        var spikes = Tensor.Uninitialized(input.ShapeArray());
        NeuronKernel.ForwardNormalised(input.Span, timeSteps, spec, positions, spikes.Span);
        return Variable.FromOp(spikes, [x, gamma, beta], gy =>
        {
            var gradCurrent = Tensor.Uninitialized(input.ShapeArray());
            NeuronKernel.BackwardNormalised(gy.Contiguous().Span, input.Span, timeSteps, spec, normalise.Span, gradCurrent.Span);
            var gx = Tensor.Uninitialized(input.ShapeArray());
            var gGamma = Tensor.Zeros(g.Channels);
            var gBeta = Tensor.Zeros(g.Channels);
            BatchNormKernel.Backward(gradCurrent.Span, input.Span, gamma.Data.Span, mean.Span, invStd.Span, g, gx.Span, gGamma.Span, gBeta.Span);
            x.AccumulateGrad(gx);
            gamma.AccumulateGrad(gGamma);
            beta.AccumulateGrad(gBeta);
        });
    }
}
