// A matrix transposed by 8×8 blocks held in AVX registers, so that both the reads and the writes are whole vectors.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Snn.Kernels;

/// <summary>
/// dst [cols, rows] = src [rows, cols]ᵀ, plus shift[c] along dst row c when a shift is given. Element by element,
/// one side of a transpose is always strided: the spike convolution's [196, 64] → [64, 196] output plus bias took
/// 3.2–4.6 ms per 256-image batch that way, 1.5–1.7 ms by blocks (same process, alternating). Blocks of 8×8 go
/// through registers (unpack, shuffle, lane permute); the edges and machines without AVX go element by element.
/// Without a shift it is a copy, exact; with one, each value is rounded once, as src + shift element by element.
/// </summary>
internal static unsafe class Transpose
{
    /// <param name="shift">Null, or [cols] values added to the output rows (a convolution's bias, per output channel).</param>
    /// <param name="dstStride">Distance between output rows; 0 for <paramref name="rows"/> (a contiguous [cols, rows]).
    /// Larger writes into a wider matrix (one attention head's columns of the token rows).</param>
    public static void Matrix(float* src, int rows, int cols, float* dst, float* shift = null, int dstStride = 0)
    {
        long ld = dstStride == 0 ? rows : dstStride;
        int r = 0;
        if (Avx.IsSupported)
            for (; r + 8 <= rows; r += 8)
            {
                int c = 0;
                for (; c + 8 <= cols; c += 8)
                    Block8(src + (long)r * cols + c, cols, dst + c * ld + r, ld, shift is null ? null : shift + c);
                for (; c < cols; c++)
                    for (int i = r; i < r + 8; i++) dst[c * ld + i] = src[(long)i * cols + c] + (shift is null ? 0f : shift[c]);
            }
        for (; r < rows; r++)
            for (int c = 0; c < cols; c++) dst[c * ld + r] = src[(long)r * cols + c] + (shift is null ? 0f : shift[c]);
    }

    /// <summary>
    /// dst[j·dstStride + i] = src[i·srcStride + j] (+ shift[j]) for i, j &lt; 8. Callers check <see cref="Avx.IsSupported"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block8(float* src, long srcStride, float* dst, long dstStride, float* shift = null)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + 2 * srcStride); var r3 = Avx.LoadVector256(src + 3 * srcStride);
        var r4 = Avx.LoadVector256(src + 4 * srcStride); var r5 = Avx.LoadVector256(src + 5 * srcStride);
        var r6 = Avx.LoadVector256(src + 6 * srcStride); var r7 = Avx.LoadVector256(src + 7 * srcStride);
        // Pairs of rows interleaved, then pairs of pairs, then the 128-bit halves swapped into place.
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Store(dst, Avx.Permute2x128(u0, u4, 0x20), shift, 0);
        Store(dst + dstStride, Avx.Permute2x128(u1, u5, 0x20), shift, 1);
        Store(dst + 2 * dstStride, Avx.Permute2x128(u2, u6, 0x20), shift, 2);
        Store(dst + 3 * dstStride, Avx.Permute2x128(u3, u7, 0x20), shift, 3);
        Store(dst + 4 * dstStride, Avx.Permute2x128(u0, u4, 0x31), shift, 4);
        Store(dst + 5 * dstStride, Avx.Permute2x128(u1, u5, 0x31), shift, 5);
        Store(dst + 6 * dstStride, Avx.Permute2x128(u2, u6, 0x31), shift, 6);
        Store(dst + 7 * dstStride, Avx.Permute2x128(u3, u7, 0x31), shift, 7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* dst, Vector256<float> row, float* shift, int j) =>
        Avx.Store(dst, shift is null ? row : row + Vector256.Create(shift[j]));
}
