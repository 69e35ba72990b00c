// A spiking neuron followed by max pooling: one fused pass for inference, the two ops in turn when a graph is built.
using Snn.Backends;
using Snn.Kernels;

namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// MaxPool2d(Neuron(x, spec, membrane), kernel, stride, padding) for x [T, ..., C, H, W]: the spiking CNN stage's
    /// fire-then-pool. On the CPU backend one fused pass each way (<see cref="NeuronPoolKernel"/>): the full-size
    /// spikes, h and spike gradient are never written, the pool keeps its argmax indices, and backward recomputes h
    /// from x. When x is <see cref="RepeatTime"/>'s output the step is read in place and its gradient Σ_t ∂L/∂x_t
    /// goes straight to RepeatTime's input. The same values and gradients as the two ops in turn (tested); on
    /// another backend it is exactly the two ops.
    /// </summary>
    public static Variable NeuronMaxPool2d(Variable x, NeuronSpec spec, int kernel, int stride, int padding = 0, Tensor? membrane = null)
    {
        if (Backend.Current is not CpuBackend) return MaxPool2d(Neuron(x, spec, membrane), kernel, stride, padding);
        if (x.Data.Rank < 4) throw new ArgumentException($"NeuronMaxPool2d: input must be [T, ..., C, H, W], got {Tensor.ShapeText(x.Data.Shape)}.");
        int timeSteps = x.Data.Shape[0];
        var (all, lead) = PoolGeometry("NeuronMaxPool2d", x.Data, kernel, stride, padding);
        var step = all with { Batch = all.Batch / timeSteps };
        var y = Tensor.Uninitialized([.. lead, all.Channels, all.OutHeight, all.OutWidth]);
        bool graph = GradMode.Enabled && x.RequiresGrad;
        // The variable the gradient goes to: RepeatTime's one-step input when x repeats it, else x.
        var input = graph && x.RepeatOf is { } repeated ? repeated : x;
        var source = input == x ? RepeatedStep(x.Data) ?? x.Data.Contiguous() : input.Data.Contiguous();
        if (!graph)
        {
            NeuronPoolKernel.ForwardSpikesPooled(source.Span, timeSteps, spec, step, y.Span, membrane is null ? default : membrane.Span);
            return Variable.Constant(y);
        }
        var start = membrane?.Clone();   // the v the forward starts from, for backward's recompute
        var indexStorage = Tensor.Uninitialized([y.Length]);
        NeuronPoolKernel.Forward(source.Span, timeSteps, spec, step, y.Span, AsIndices(indexStorage), membrane is null ? default : membrane.Span);
        return Variable.FromOp(y, [input], gy =>
        {
            var gx = Tensor.Uninitialized(source.ShapeArray());
            NeuronPoolKernel.Backward(gy.Contiguous().Span, AsIndices(indexStorage), source.Span, timeSteps, spec, step,
                start is null ? default : start.Span, gx.Span);
            input.AccumulateGrad(gx.Reshape(input.Data.ShapeArray()));
        });
    }
}
