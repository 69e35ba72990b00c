// Reductions over chosen dimensions: sum, mean, max; and SumTo, which undoes broadcasting for gradients.
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn;

public static partial class Ops
{
    /// <summary>Sum over <paramref name="dims"/> (all dims when empty). Accumulates each output in double.</summary>
    public static Tensor Sum(Tensor x, int[] dims, bool keepDims = false) => Reduce(x, dims, keepDims, ReduceKind.Sum);

    public static Tensor Mean(Tensor x, int[] dims, bool keepDims = false) => Reduce(x, dims, keepDims, ReduceKind.Mean);

    public static Tensor Max(Tensor x, int[] dims, bool keepDims = false) => Reduce(x, dims, keepDims, ReduceKind.Max);

    /// <summary>
    /// Sum of every element, in double; vectorised (a serial double add chain costs 6 ms on a 6M-spike tensor). Blocks
    /// of a fixed size are summed on all threads and their sums added in block order, so the result does not depend on
    /// the thread count.
    /// </summary>
    public static double SumAll(Tensor x)
    {
        const int Block = 1 << 16;
        var data = x.Contiguous();
        int blocks = (data.Length + Block - 1) / Block;
        if (blocks <= 1) return Kernels.DoubleSums.Sum(data.Span);
        var sums = new double[blocks];
        Parallelism.For(blocks, 1, (b0, b1) =>
        {
            var span = data.Span;
            for (int b = b0; b < b1; b++) sums[b] = Kernels.DoubleSums.Sum(span.Slice(b * Block, Math.Min(Block, span.Length - b * Block)));
        });
        double total = 0;
        foreach (double sum in sums) total += sum;
        return total;
    }

    /// <summary>
    /// Sums <paramref name="x"/> down to <paramref name="shape"/>, the inverse of broadcasting <paramref name="shape"/>
    /// up to x's shape: the gradient of a broadcast input is the sum of the output gradient over the stretched dims.
    /// </summary>
    public static Tensor SumTo(Tensor x, ReadOnlySpan<int> shape)
    {
        if (x.Shape.SequenceEqual(shape)) return x;
        int lead = x.Rank - shape.Length;
        if (lead < 0) throw new ArgumentException($"SumTo: cannot reduce {Tensor.ShapeText(x.Shape)} to larger rank {Tensor.ShapeText(shape)}.");
        var dims = new List<int>();
        for (int i = 0; i < x.Rank; i++)
            if (i < lead || (shape[i - lead] == 1 && x.Shape[i] != 1)) dims.Add(i);
            else if (shape[i - lead] != x.Shape[i])
                throw new ArgumentException($"SumTo: {Tensor.ShapeText(x.Shape)} is not a broadcast of {Tensor.ShapeText(shape)}.");
        var reduced = dims.Count == 0 ? x : Sum(x, dims.ToArray(), keepDims: true);
        return reduced.Reshape(shape.ToArray());
    }

    private enum ReduceKind { Sum, Mean, Max }

    /// <summary>
    /// Moves the reduced dims to the end (a permuted view), makes that contiguous, and reduces each row.
    /// Rows are independent, so they run in parallel with no effect on the result.
    /// </summary>
    private static Tensor Reduce(Tensor x, int[] dims, bool keepDims, ReduceKind kind)
    {
        string op = kind.ToString();
        RequireNonEmpty(op, x);
        var reduce = new bool[x.Rank];
        if (dims.Length == 0) Array.Fill(reduce, true);
        foreach (int d in dims) reduce[x.NormalizeDim(d)] = true;
        var kept = Enumerable.Range(0, x.Rank).Where(i => !reduce[i]).ToArray();
        var gone = Enumerable.Range(0, x.Rank).Where(i => reduce[i]).ToArray();
        if (kind != ReduceKind.Max && x.IsContiguous && gone.Length < x.Rank && gone.SequenceEqual(Enumerable.Range(0, gone.Length)))
            return SumLeading(x, gone.Length, keepDims, kind == ReduceKind.Mean);
        var rows = x.Permute([.. kept, .. gone]).Contiguous();
        int inner = gone.Aggregate(1, (p, d) => p * x.Shape[d]);
        int outer = x.Length / inner;
        var outShape = keepDims
            ? Enumerable.Range(0, x.Rank).Select(i => reduce[i] ? 1 : x.Shape[i]).ToArray()
            : kept.Select(i => x.Shape[i]).ToArray();
        var y = Tensor.Zeros(outShape);
        var src = rows.Storage;
        int srcOffset = rows.Offset;
        var dst = y.Storage;
        Parallelism.For(outer, Math.Max(1, 16384 / inner), (start, end) =>
        {
            for (int r = start; r < end; r++)
            {
                var row = new ReadOnlySpan<float>(src, srcOffset + r * inner, inner);
                dst[r] = kind switch
                {
                    ReduceKind.Max => TP.Max(row),
                    ReduceKind.Sum => (float)SumDouble(row),
                    _ => (float)(SumDouble(row) / inner),
                };
            }
        });
        return y;
    }

    /// <summary>Sum or mean over the first <paramref name="leading"/> dims of a contiguous tensor, without a transpose.</summary>
    private static Tensor SumLeading(Tensor x, int leading, bool keepDims, bool mean)
    {
        int rows = Tensor.ElementCount(x.Shape[..leading]);
        var kept = x.ShapeArray()[leading..];
        var y = Tensor.Uninitialized(keepDims ? [.. Enumerable.Repeat(1, leading), .. kept] : kept);   // the kernel writes every column
        Kernels.SumLeadingKernel.Sum(x.Span, rows, mean ? rows : 1, y.Span);
        return y;
    }

    /// <summary>
    /// Sums in double, so long rows keep float32 precision in the result: blocks of
    /// <see cref="Kernels.SumLeadingKernel.RowBlock"/> values, each into four partials by index mod 4 (values past the
    /// last multiple of 4 into the first) and (s0 + s1) + (s2 + s3), the blocks' sums added in order. The order the
    /// leading-dims kernel uses, which splits a tall sum's blocks over threads.
    /// </summary>
    internal static double SumDouble(ReadOnlySpan<float> row)
    {
        double total = 0;
        for (int first = 0; first < row.Length; first += Kernels.SumLeadingKernel.RowBlock)
        {
            var block = row[first..Math.Min(row.Length, first + Kernels.SumLeadingKernel.RowBlock)];
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int i = 0;
            for (; i + 4 <= block.Length; i += 4) { s0 += block[i]; s1 += block[i + 1]; s2 += block[i + 2]; s3 += block[i + 3]; }
            for (; i < block.Length; i++) s0 += block[i];
            total += (s0 + s1) + (s2 + s3);
        }
        return total;
    }
}
