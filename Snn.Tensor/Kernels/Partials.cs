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
    /// <summary>
    /// Floats from one chunk's partial of <paramref name="size"/> values to the next: whole 64-byte cache lines, so
    /// two threads adding into neighbouring partials never write the same line. Packed, the end of one partial and
    /// the start of the next shared a line that the spike convolution's weight gradient writes on every spike of the
    /// last and the first input channel.
    /// </summary>
    public static int Stride(int size) => (size + 15) & ~15;

    /// <summary>Rents room for <paramref name="count"/> partials <see cref="Stride"/> apart, plus the 16 floats that
    /// <see cref="First"/> may skip to reach a cache-line boundary.</summary>
    public static float[] Rent(int count, int size) => System.Buffers.ArrayPool<float>.Shared.Rent(count * Stride(size) + 16);

    /// <summary>The first partial in <paramref name="rented"/> (fixed): its first cache-line boundary.</summary>
    public static float* First(float* rented) => (float*)(((nint)rented + 63) & ~(nint)63);

    /// <summary>partials[i] += partials[c·Stride(size) + i] for c = 1 … count − 1 in order, for every i &lt; size.</summary>
    public static void SumIntoFirst(float* partials, int count, int size)
    {
        if (count <= 1) return;
        int stride = Stride(size);
        Parallelism.For(size, 4096, (i0, i1) =>
        {
            var total = new Span<float>(partials + i0, i1 - i0);
            for (int c = 1; c < count; c++) TP.Add(total, new ReadOnlySpan<float>(partials + (long)c * stride + i0, i1 - i0), total);
        });
    }
}
