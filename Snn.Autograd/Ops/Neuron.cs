// Multi-step spiking neurons as one differentiable op: the fused kernel runs all T steps forward, then backward.
using Snn.Backends;
using Snn.Kernels;

namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// Runs a spiking neuron over time. x [T, ...] is the input current at each step (time-major); returns spikes
    /// [T, ...] of 0/1. Saves only the charged membrane h [T, ...] for backward (without a graph, nothing is saved), where the surrogate in
    /// <paramref name="spec"/> stands in for the step function's derivative (see <see cref="NeuronReference"/>).
    /// </summary>
    /// <param name="membrane">
    /// Optional carried state [n] (n = elements per step): v before the first step, overwritten with v after the
    /// last. Gradients do not flow into earlier calls (truncated backpropagation through time).
    /// </param>
    public static Variable Neuron(Variable x, NeuronSpec spec, Tensor? membrane = null)
    {
        spec.Validate();
        if (x.Data.Rank < 2) throw new ArgumentException($"Neuron: input must be [T, ...] with rank ≥ 2, got {Tensor.ShapeText(x.Data.Shape)}.");
        int timeSteps = x.Data.Shape[0];
        if (!GradMode.Enabled || !x.RequiresGrad)
        {
            // No graph: spikes only, and a time-repeated input (RepeatTime's view, step stride 0) is read once per step in place.
            var step = RepeatedStep(x.Data);
            var source = step ?? x.Data.Contiguous();
            var output = Tensor.Uninitialized(x.Data.ShapeArray());
            Backend.Current.NeuronForwardSpikes(source, timeSteps, spec, output, membrane);
            return Variable.Constant(output);
        }
        var input = x.Data.Contiguous().Reshape(timeSteps, -1);
        var spikes = Tensor.Uninitialized(input.ShapeArray());
        var charged = Tensor.Uninitialized(input.ShapeArray());
        Backend.Current.NeuronForward(input, spec, spikes, charged, membrane);
        var shape = x.Data.ShapeArray();
        return Variable.FromOp(spikes.Reshape(shape), [x], gy =>
        {
            var gx = Tensor.Uninitialized(input.ShapeArray());
            Backend.Current.NeuronBackward(gy.Contiguous().Reshape(timeSteps, -1), charged, spec, gx);
            x.AccumulateGrad(gx.Reshape(shape));
        });
    }

    /// <summary>The one step [n] that every step of <paramref name="x"/> [T, ...] views (step stride 0, rest contiguous), or null.</summary>
    private static Tensor? RepeatedStep(Tensor x)
    {
        if (x.Shape[0] < 2 || x.Strides[0] != 0) return null;
        var step = new Tensor(x.Storage, x.Offset, x.ShapeArray()[1..], x.Strides[1..].ToArray());
        return step.IsContiguous ? step : null;
    }
}
