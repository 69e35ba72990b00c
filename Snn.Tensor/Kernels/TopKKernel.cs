// Argmax and top-k over the last dim: rows in parallel, a vectorised argmax and a k-slot insertion buffer for small k.
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn.Kernels;

/// <summary>
/// Same ranking as <see cref="TopKReference"/> (NaN highest, +0 above −0, ties to the lower index). ArgMax is
/// TensorPrimitives.IndexOfMax per row. TopK keeps the best k seen so far in a sorted buffer, O(columns·k) worst
/// case but O(columns) for typical data since most values lose to the k-th best at once; above
/// <see cref="InsertionLimit"/> a full index sort is cheaper.
/// </summary>
public static class TopKKernel
{
    internal const int InsertionLimit = 64;

    /// <summary>indices [rows] = column of the highest-ranked value of each row of x [rows, columns].</summary>
    public static unsafe void ArgMax(ReadOnlySpan<float> x, int columns, Span<int> indices)
    {
        Check(x.Length, columns, 1, indices.Length, indices.Length);
        fixed (float* px = x)
        fixed (int* pi = indices)
        {
            float* xp = px;
            int* ip = pi;
            Parallelism.For(indices.Length, Math.Max(1, 16384 / columns), (r0, r1) =>
            {
                for (int r = r0; r < r1; r++) ip[r] = TP.IndexOfMax(new ReadOnlySpan<float>(xp + (long)r * columns, columns));
            });
        }
    }

    /// <summary>values, indices [rows, k] = the k highest-ranked values of each row of x [rows, columns], best first.</summary>
    public static unsafe void TopK(ReadOnlySpan<float> x, int columns, int k, Span<float> values, Span<int> indices)
    {
        Check(x.Length, columns, k, values.Length, indices.Length);
        fixed (float* px = x, pv = values)
        fixed (int* pi = indices)
        {
            float* xp = px, vp = pv;
            int* ip = pi;
            Parallelism.For(x.Length / columns, Math.Max(1, 16384 / columns), (r0, r1) =>
            {
                int[]? order = k > InsertionLimit ? new int[columns] : null;
                for (int r = r0; r < r1; r++)
                {
                    var row = new ReadOnlySpan<float>(xp + (long)r * columns, columns);
                    var v = new Span<float>(vp + (long)r * k, k);
                    var i = new Span<int>(ip + (long)r * k, k);
                    if (order is null) Insertion(row, v, i);
                    else Sorted(row, order, v, i);
                }
            });
        }
    }

    /// <summary>Keeps values/indices sorted best first; a newcomer must outrank the current k-th best to enter.</summary>
    private static void Insertion(ReadOnlySpan<float> row, Span<float> values, Span<int> indices)
    {
        int filled = 0;
        for (int c = 0; c < row.Length; c++)
        {
            float v = row[c];
            if (filled == values.Length && !TopKReference.Outranks(v, values[filled - 1])) continue;
            int j = filled < values.Length ? filled++ : filled - 1;
            for (; j > 0 && TopKReference.Outranks(v, values[j - 1]); j--) (values[j], indices[j]) = (values[j - 1], indices[j - 1]);
            (values[j], indices[j]) = (v, c);
        }
    }

    private static void Sorted(ReadOnlySpan<float> row, int[] order, Span<float> values, Span<int> indices)
    {
        for (int c = 0; c < order.Length; c++) order[c] = c;
        float[] copy = row.ToArray();
        Array.Sort(order, (a, b) => TopKReference.Outranks(copy[a], copy[b]) ? -1 : TopKReference.Outranks(copy[b], copy[a]) ? 1 : a.CompareTo(b));
        for (int j = 0; j < values.Length; j++) (values[j], indices[j]) = (copy[order[j]], order[j]);
    }

    private static void Check(int length, int columns, int k, int valuesLength, int indicesLength)
    {
        if (columns < 1 || length % columns != 0)
            throw new ArgumentException($"TopK: {length} values are not whole rows of {columns} columns.");
        if (k < 1 || k > columns)
            throw new ArgumentOutOfRangeException(nameof(k), $"TopK: k = {k} must be in [1, {columns}].");
        int want = length / columns * k;
        if (valuesLength != want || indicesLength != want)
            throw new ArgumentException($"TopK: expected {want} values and indices, got {valuesLength} and {indicesLength}.");
    }
}
