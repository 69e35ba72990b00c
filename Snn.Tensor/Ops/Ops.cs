// Tensor-level math: allocating wrappers around the backend and the CPU kernels, with shape checks and broadcasting.
using Snn.Backends;

namespace Snn;

/// <summary>
/// Functional tensor operations that return new tensors. Elementwise ops broadcast like NumPy/PyTorch (shapes are
/// aligned from the right; a dimension of 1 stretches). Errors name the op and the shapes involved.
/// This is the layer autograd builds on; it knows nothing about gradients.
/// </summary>
public static partial class Ops
{
    private static ITensorBackend B => Backend.Current;

    /// <summary>The broadcast shape of two shapes, or an error naming the op and both shapes.</summary>
    public static int[] BroadcastShape(string op, ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Tensor.ShapeText(a)} and {Tensor.ShapeText(b)} do not broadcast.");
            shape[i] = da == 1 ? db : da;
        }
        return shape;
    }

    /// <summary>A stride-0 view of <paramref name="t"/> stretched to <paramref name="shape"/> (no copy).</summary>
    public static Tensor Expand(Tensor t, int[] shape)
    {
        int offset = shape.Length - t.Rank;
        if (offset < 0) throw new ArgumentException($"Expand: cannot expand {Tensor.ShapeText(t.Shape)} to fewer dims {Tensor.ShapeText(shape)}.");
        var strides = new int[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            if (i < offset) { strides[i] = 0; continue; }
            int d = t.Shape[i - offset];
            if (d == shape[i]) strides[i] = t.Strides[i - offset];
            else if (d == 1) strides[i] = 0;
            else throw new ArgumentException($"Expand: {Tensor.ShapeText(t.Shape)} does not broadcast to {Tensor.ShapeText(shape)}.");
        }
        return new Tensor(t.Storage, t.Offset, (int[])shape.Clone(), strides);
    }

    internal static void RequireNonEmpty(string op, Tensor t)
    {
        if (t.Length == 0) throw new ArgumentException($"{op}: input of shape {Tensor.ShapeText(t.Shape)} is empty.");
    }

    internal static void RequireRank(string op, Tensor t, int rank, string legend)
    {
        if (t.Rank != rank)
            throw new ArgumentException($"{op}: expected a rank-{rank} tensor {legend}, got shape {Tensor.ShapeText(t.Shape)}.");
    }
}
