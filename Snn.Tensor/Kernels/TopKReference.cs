// The plain argmax and top-k over the last dim that the fast kernel is tested against.
namespace Snn.Kernels;

/// <summary>
/// Ranks values by one total order: NaN above everything, then larger first, +0 above −0 (the order of
/// TensorPrimitives.IndexOfMax); equal values keep the lower index first. Top-k returns the k highest-ranked
/// values of each row of x [rows, columns], best first, with their column indices.
/// </summary>
public static class TopKReference
{
    public static void ArgMax(ReadOnlySpan<float> x, int columns, Span<int> indices) =>
        TopK(x, columns, 1, new float[indices.Length], indices);

    public static void TopK(ReadOnlySpan<float> x, int columns, int k, Span<float> values, Span<int> indices)
    {
        for (int r = 0; r < x.Length / columns; r++)
        {
            float[] row = x.Slice(r * columns, columns).ToArray();
            int[] order = Enumerable.Range(0, columns).ToArray();
            Array.Sort(order, (a, b) => Outranks(row[a], row[b]) ? -1 : Outranks(row[b], row[a]) ? 1 : a.CompareTo(b));
            for (int j = 0; j < k; j++) (values[r * k + j], indices[r * k + j]) = (row[order[j]], order[j]);
        }
    }

    /// <summary>True when a ranks strictly above b.</summary>
    internal static bool Outranks(float a, float b)
    {
        if (float.IsNaN(a) || float.IsNaN(b)) return !float.IsNaN(b);
        return a > b || (a == b && !float.IsNegative(a) && float.IsNegative(b));
    }
}
