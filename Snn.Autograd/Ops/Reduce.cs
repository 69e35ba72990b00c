// Sums and means over dimensions; their gradients broadcast ∂L/∂y back over the reduced dims.
namespace Snn.Autograd;

public static partial class F
{
    /// <summary>Sum over <paramref name="dims"/> (all when empty).</summary>
    public static Variable Sum(Variable x, int[] dims, bool keepDims = false)
    {
        var y = Ops.Sum(x.Data, dims, keepDims);
        return Variable.FromOp(y, [x], gy => x.AccumulateGrad(BroadcastBack(gy, x.Data, dims, 1f)));
    }

    /// <summary>Mean over <paramref name="dims"/> (all when empty).</summary>
    public static Variable Mean(Variable x, int[] dims, bool keepDims = false)
    {
        var y = Ops.Mean(x.Data, dims, keepDims);
        float count = (float)x.Data.Length / y.Length;
        return Variable.FromOp(y, [x], gy => x.AccumulateGrad(BroadcastBack(gy, x.Data, dims, 1f / count)));
    }

    /// <summary>Sum of every element, as a one-element variable.</summary>
    public static Variable SumAll(Variable x) => Sum(x, []);

    public static Variable MeanAll(Variable x) => Mean(x, []);

    /// <summary>Stretches a reduced gradient back to the input's shape, times <paramref name="scale"/>.</summary>
    private static Tensor BroadcastBack(Tensor gy, Tensor x, int[] dims, float scale)
    {
        var keptShape = x.ShapeArray();
        if (dims.Length == 0) Array.Fill(keptShape, 1);
        foreach (int d in dims) keptShape[x.NormalizeDim(d)] = 1;
        var expanded = Ops.Expand(gy.Reshape(keptShape), x.ShapeArray());
        return Ops.Affine(expanded.Contiguous(), scale);
    }
}
