// Multi-step spiking neurons as one differentiable op: the fused kernel runs all T steps forward, then backward.
using Snn.Backends;
using Snn.Kernels;

namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// Runs a spiking neuron over time. x [T, ...] is the input current at each step (time-major); returns spikes
    /// [T, ...] of 0/1. Saves only the charged membrane h [T, ...] for backward, where the surrogate in
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
}
