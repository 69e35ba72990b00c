// Repeating a value at every time step (direct encoding, or work that is the same at every step done once).
namespace Snn.Autograd;

public static partial class F
{
    /// <summary>[N, ...] → [T, N, ...] with the same values at every step; ∂x = Σ_t ∂y_t.</summary>
    public static Variable RepeatTime(Variable x, int timeSteps)
    {
        if (timeSteps < 1) throw new ArgumentException($"RepeatTime: T must be ≥ 1, got {timeSteps}.");
        var src = x.Data.Contiguous();
        if (!GradMode.Enabled || !x.RequiresGrad)
            // No graph: a view with step stride 0 (F.Neuron reads it in place; any other op's Contiguous copies it).
            return Variable.Constant(new Tensor(src.Storage, src.Offset, [timeSteps, .. src.ShapeArray()], [0, .. Tensor.RowMajorStrides(src.Shape)]));
        var y = Tensor.Uninitialized([timeSteps, .. src.ShapeArray()]);
        for (int t = 0; t < timeSteps; t++) src.Span.CopyTo(y.Span.Slice(t * src.Length, src.Length));
        return Variable.FromOp(y, [x], gy => x.AccumulateGrad(Ops.Sum(gy, [0])));
    }
}
