// Copies a strided view into another layout row by row: the Permute/Transpose → Contiguous path.
namespace Snn.Kernels;

/// <summary>
/// dst[index] = src[index] for every logical index of <paramref name="shape"/>. Size-1 dims are dropped and dims
/// that are contiguous in both tensors merged, so a permute of [T, N, H, L, d] usually becomes a few long runs.
/// The innermost merged dim is copied as one span when unit-stride on both sides, else gathered with its stride.
/// Large copies split their outer rows, and long unit-stride runs, across threads (each element written once:
/// thread-count independent).
/// <see cref="Tensor.StridedCursor"/> is the plain element-by-element reference (tested against it).
/// </summary>
internal static class StridedCopy
{
    /// <summary>Elements per work item: below this a thread costs more than it saves.</summary>
    private const int Piece = 32768;

    public static void Copy(float[] src, int srcOffset, ReadOnlySpan<int> srcStrides, float[] dst, int dstOffset, ReadOnlySpan<int> dstStrides,
        ReadOnlySpan<int> shape)
    {
        Span<int> size = stackalloc int[shape.Length], ss = stackalloc int[shape.Length], ds = stackalloc int[shape.Length];
        int rank = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 0) return;
            if (shape[d] == 1) continue;
            if (rank > 0 && ss[rank - 1] == srcStrides[d] * shape[d] && ds[rank - 1] == dstStrides[d] * shape[d])
            {
                size[rank - 1] *= shape[d];
                ss[rank - 1] = srcStrides[d];
                ds[rank - 1] = dstStrides[d];
                continue;
            }
            (size[rank], ss[rank], ds[rank]) = (shape[d], srcStrides[d], dstStrides[d]);
            rank++;
        }
        if (rank == 0) { dst[dstOffset] = src[srcOffset]; return; }
        int n = size[rank - 1], sInner = ss[rank - 1], dInner = ds[rank - 1];
        int rows = 1;
        for (int d = 0; d < rank - 1; d++) rows *= size[d];
        int[] outerSize = size[..(rank - 1)].ToArray(), outerSrc = ss[..(rank - 1)].ToArray(), outerDst = ds[..(rank - 1)].ToArray();
        // A long unit-stride run (a plain copy, or a step of a time-repeated view) is cut into pieces so that a copy
        // with few rows still splits over threads.
        bool unit = sInner == 1 && dInner == 1;
        int piece = unit ? Math.Min(n, Piece) : n, pieces = (n + piece - 1) / piece;
        Parallelism.For(rows * pieces, Math.Max(1, Piece / piece), (w0, w1) =>
        {
            for (int w = w0; w < w1; w++)
            {
                int r = w / pieces, start = w % pieces * piece, length = Math.Min(piece, n - start);
                int so = srcOffset, doff = dstOffset;
                for (int d = outerSize.Length - 1, rest = r; d >= 0; d--)
                {
                    int i = rest % outerSize[d];
                    rest /= outerSize[d];
                    so += i * outerSrc[d];
                    doff += i * outerDst[d];
                }
                if (unit) { Array.Copy(src, so + start, dst, doff + start, length); continue; }
                for (int j = 0; j < n; j++) dst[doff + j * dInner] = src[so + j * sInner];
            }
        });
    }
}
