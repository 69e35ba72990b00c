// Per-chunk partial sums added in chunk order, in parallel over the elements: the same bits as a serial sum, without the serial tail.
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn.Kernels;

/// <summary>
/// Kernels that reduce over a batch (weight gradients) give each chunk its own partial and add the partials at the
/// end. Added one after another on the caller, 32 partials of a 64×576 weight are a serial 1.2M additions; here
/// every element still adds partial 1, 2, … in order, so the result depends only on the number of partials.
/// </summary>
internal static unsafe class Partials
{
    /// <summary>partials[i] += partials[c·size + i] for c = 1 … count − 1 in order, for every i &lt; size.</summary>
    public static void SumIntoFirst(float* partials, int count, int size)
    {
        if (count <= 1) return;
        Parallelism.For(size, 4096, (i0, i1) =>
        {
            var total = new Span<float>(partials + i0, i1 - i0);
            for (int c = 1; c < count; c++) TP.Add(total, new ReadOnlySpan<float>(partials + (long)c * size + i0, i1 - i0), total);
        });
    }
}
