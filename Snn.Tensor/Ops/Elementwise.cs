// Broadcasting elementwise arithmetic and unary maps.
using Snn.Backends;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn;

public static partial class Ops
{
    public static Tensor Add(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Add);
    public static Tensor Subtract(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Subtract);
    public static Tensor Multiply(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Multiply);
    public static Tensor Divide(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Divide);
    public static Tensor Maximum(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Maximum);
    public static Tensor Minimum(Tensor a, Tensor b) => Binary(a, b, BinaryOp.Minimum);

    public static Tensor Negate(Tensor x) => Unary(x, UnaryOp.Negate);
    public static Tensor Exp(Tensor x) => Unary(x, UnaryOp.Exp);
    public static Tensor Log(Tensor x) => Unary(x, UnaryOp.Log);
    public static Tensor Sqrt(Tensor x) => Unary(x, UnaryOp.Sqrt);
    public static Tensor Abs(Tensor x) => Unary(x, UnaryOp.Abs);
    public static Tensor Relu(Tensor x) => Unary(x, UnaryOp.Relu);
    public static Tensor Sigmoid(Tensor x) => Unary(x, UnaryOp.Sigmoid);
    public static Tensor Tanh(Tensor x) => Unary(x, UnaryOp.Tanh);

    /// <summary>x·scale + shift, elementwise.</summary>
    public static Tensor Affine(Tensor x, float scale, float shift = 0f)
    {
        var y = Tensor.Uninitialized(x.ShapeArray());
        var src = x.Contiguous();
        Parallelism.For(y.Length, 1 << 15, (i0, i1) =>
        {
            var dst = y.Span.Slice(i0, i1 - i0);
            TP.Multiply(src.Span.Slice(i0, i1 - i0), scale, dst);
            if (shift != 0f) TP.Add(dst, shift, dst);
        });
        return y;
    }

    public static Tensor Binary(Tensor a, Tensor b, BinaryOp op)
    {
        if (a.SameShape(b))
        {
            var result = Tensor.Uninitialized(a.ShapeArray());
            B.Binary(a.Contiguous(), b.Contiguous(), op, result);
            return result;
        }
        var shape = BroadcastShape(op.ToString(), a.Shape, b.Shape);
        var y = Tensor.Uninitialized(shape);
        if (!TryRowVector(a, b, op, y)) BroadcastBinary(Expand(a, shape), Expand(b, shape), op, y);
        return y;
    }

    public static Tensor Unary(Tensor x, UnaryOp op)
    {
        var y = Tensor.Uninitialized(x.ShapeArray());
        B.Unary(x.Contiguous(), op, y);
        return y;
    }

    /// <summary>
    /// y = a ∘ b where a and b are (possibly stride-0) views of y's shape. Walks all but the last dim, and runs the
    /// last dim as a SIMD row: vector ∘ vector, or vector ∘ scalar when one side is broadcast along it.
    /// </summary>
    private static void BroadcastBinary(Tensor a, Tensor b, BinaryOp op, Tensor y)
    {
        int rank = y.Rank;
        int inner = rank == 0 ? 1 : y.Shape[rank - 1];
        int rows = inner == 0 ? 0 : y.Length / inner;
        int sa = rank == 0 ? 0 : a.Strides[rank - 1], sb = rank == 0 ? 0 : b.Strides[rank - 1];
        var outer = rank <= 1 ? Array.Empty<int>() : y.ShapeArray()[..(rank - 1)];
        var aRows = new Tensor(a.Storage, a.Offset, outer, a.Strides[..Math.Max(0, rank - 1)].ToArray());
        var bRows = new Tensor(b.Storage, b.Offset, outer, b.Strides[..Math.Max(0, rank - 1)].ToArray());
        var ca = new Tensor.StridedCursor(aRows);
        var cb = new Tensor.StridedCursor(bRows);
        var dst = y.Span;
        var scratch = sa > 1 || sb > 1 ? new float[inner * 2] : null;
        for (int r = 0; r < rows; r++)
        {
            int oa = ca.Next(), ob = cb.Next();
            var d = dst.Slice(r * inner, inner);
            ReadOnlySpan<float> x = Row(a.Storage, oa, sa, inner, scratch, 0);
            ReadOnlySpan<float> z = Row(b.Storage, ob, sb, inner, scratch, inner);
            if (sa == 0 && sb == 0) d.Fill(Apply(op, x[0], z[0]));
            else if (sb == 0) ApplyScalarRight(op, x, z[0], d);
            else if (sa == 0) ApplyScalarLeft(op, x[0], z, d);
            else ApplyRows(op, x, z, d);
        }
    }

    /// <summary>
    /// The common broadcast "rows ∘ vector" (a bias over the last dim): a contiguous a [..., n] and b [n] (or [1, …, n]).
    /// Rows split over threads; each element is computed as in <see cref="BroadcastBinary"/>.
    /// </summary>
    private static bool TryRowVector(Tensor a, Tensor b, BinaryOp op, Tensor y)
    {
        if (!a.IsContiguous || !b.IsContiguous || !a.SameShape(y) || a.Rank == 0 || b.Length != a.Shape[^1] || b.Shape[^1] != b.Length) return false;
        int inner = b.Length, rows = inner == 0 ? 0 : y.Length / inner;
        Parallelism.For(rows, Math.Max(1, (1 << 15) / Math.Max(1, inner)), (r0, r1) =>
        {
            var z = b.Span;
            for (int r = r0; r < r1; r++) ApplyRows(op, a.Span.Slice(r * inner, inner), z, y.Span.Slice(r * inner, inner));
        });
        return true;
    }

    private static ReadOnlySpan<float> Row(float[] storage, int offset, int stride, int n, float[]? scratch, int at)
    {
        if (stride == 0) return storage.AsSpan(offset, 1);
        if (stride == 1) return storage.AsSpan(offset, n);
        for (int i = 0; i < n; i++) scratch![at + i] = storage[offset + i * stride];
        return scratch.AsSpan(at, n);
    }

    private static float Apply(BinaryOp op, float x, float y) => op switch
    {
        BinaryOp.Add => x + y,
        BinaryOp.Subtract => x - y,
        BinaryOp.Multiply => x * y,
        BinaryOp.Divide => x / y,
        BinaryOp.Maximum => MathF.Max(x, y),
        BinaryOp.Minimum => MathF.Min(x, y),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>d = x ∘ y over equal-length rows; the one place a BinaryOp maps onto TensorPrimitives.</summary>
    internal static void ApplyRows(BinaryOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        switch (op)
        {
            case BinaryOp.Add: TP.Add(x, y, d); break;
            case BinaryOp.Subtract: TP.Subtract(x, y, d); break;
            case BinaryOp.Multiply: TP.Multiply(x, y, d); break;
            case BinaryOp.Divide: TP.Divide(x, y, d); break;
            case BinaryOp.Maximum: TP.Max(x, y, d); break;
            case BinaryOp.Minimum: TP.Min(x, y, d); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, null);
        }
    }

    private static void ApplyScalarRight(BinaryOp op, ReadOnlySpan<float> x, float y, Span<float> d)
    {
        switch (op)
        {
            case BinaryOp.Add: TP.Add(x, y, d); break;
            case BinaryOp.Subtract: TP.Subtract(x, y, d); break;
            case BinaryOp.Multiply: TP.Multiply(x, y, d); break;
            case BinaryOp.Divide: TP.Divide(x, y, d); break;
            case BinaryOp.Maximum: TP.Max(x, y, d); break;
            case BinaryOp.Minimum: TP.Min(x, y, d); break;
        }
    }

    private static void ApplyScalarLeft(BinaryOp op, float x, ReadOnlySpan<float> y, Span<float> d)
    {
        switch (op)
        {
            case BinaryOp.Add: TP.Add(y, x, d); break;
            case BinaryOp.Subtract: TP.Subtract(x, y, d); break;
            case BinaryOp.Multiply: TP.Multiply(y, x, d); break;
            case BinaryOp.Divide: TP.Divide(x, y, d); break;
            case BinaryOp.Maximum: TP.Max(y, x, d); break;
            case BinaryOp.Minimum: TP.Min(y, x, d); break;
        }
    }
}
