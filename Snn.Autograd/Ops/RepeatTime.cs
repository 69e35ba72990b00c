// Repeating a value at every time step (direct encoding, or work that is the same at every step done once).
namespace Snn.Autograd;

public static partial class F
{
    /// <summary>[N, ...] → [T, N, ...] with the same values at every step; ∂x = Σ_t ∂y_t.</summary>
    public static Variable RepeatTime(Variable x, int timeSteps)
    {
        if (timeSteps < 1) throw new ArgumentException($"RepeatTime: T must be ≥ 1, got {timeSteps}.");
        var src = x.Data.Contiguous();
        // A view with step stride 0: every step reads the same storage.
        var repeated = new Tensor(src.Storage, src.Offset, [timeSteps, .. src.ShapeArray()], [0, .. Tensor.RowMajorStrides(src.Shape)]);
        if (!GradMode.Enabled || !x.RequiresGrad)
            // No graph: the view itself (F.Neuron reads it in place; any other op's Contiguous copies it).
            return Variable.Constant(repeated);
        // The graph keeps the view too. An op that needs the steps laid out copies them (Contiguous, as without a
        // graph); a neuron op reads the one step in place and hands Σ_t ∂ to x itself (Variable.RepeatOf), so the
        // T copies and their gradient are never written.
        return Variable.Repeating(repeated, x, gy => x.AccumulateGrad(Ops.Sum(gy, [0])));
    }
}
