// Unfolds one image into the patch matrix that turns convolution into a GEMM, and folds gradients back.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// For one image x [C, H, W]: col[(c·kh + i)·kw + j, oy·ow + ox] = x[c, oy·s − p + i, ox·s − p + j], 0 in the
/// padding. Then output [O, oh·ow] = weight [O, C·kh·kw] · col. <see cref="Fold"/> is the adjoint (sums overlaps).
/// </summary>
internal static class Im2Col
{
    /// <summary>
    /// image [C, H, W] → col [C·kh·kw, oh·ow] stored with row stride <paramref name="ldcol"/> (every element of
    /// the oh·ow columns written). A stride above oh·ow lets several images sit side by side in one matrix.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unfold(ReadOnlySpan<float> image, in Conv2dGeometry g, Span<float> col, int ldcol)
    {
        int ow = g.OutW, s = g.Stride;
        for (int c = 0; c < g.InChannels; c++)
            for (int i = 0; i < g.KernelH; i++)
                for (int j = 0; j < g.KernelW; j++)
                {
                    var row = col.Slice(((c * g.KernelH + i) * g.KernelW + j) * ldcol, g.OutPixels);
                    var (first, last) = ValidColumns(j, g);
                    for (int oy = 0; oy < g.OutH; oy++)
                    {
                        var dest = row.Slice(oy * ow, ow);
                        int y = oy * s - g.Padding + i;
                        if (y < 0 || y >= g.Height || first >= last) { dest.Clear(); continue; }
                        dest[..first].Clear();
                        dest[last..].Clear();
                        var src = image.Slice((c * g.Height + y) * g.Width);
                        int x0 = first * s - g.Padding + j;
                        if (s == 1) src.Slice(x0, last - first).CopyTo(dest[first..last]);
                        else for (int ox = first; ox < last; ox++) dest[ox] = src[x0 + (ox - first) * s];
                    }
                }
    }

    /// <summary>image [C, H, W] += fold(col): the transpose of <see cref="Unfold"/>, fixed summation order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fold(ReadOnlySpan<float> col, int ldcol, in Conv2dGeometry g, Span<float> image)
    {
        int ow = g.OutW, s = g.Stride;
        for (int c = 0; c < g.InChannels; c++)
            for (int i = 0; i < g.KernelH; i++)
                for (int j = 0; j < g.KernelW; j++)
                {
                    var row = col.Slice(((c * g.KernelH + i) * g.KernelW + j) * ldcol, g.OutPixels);
                    var (first, last) = ValidColumns(j, g);
                    if (first >= last) continue;
                    for (int oy = 0; oy < g.OutH; oy++)
                    {
                        int y = oy * s - g.Padding + i;
                        if (y < 0 || y >= g.Height) continue;
                        var src = row.Slice(oy * ow, ow);
                        var dest = image.Slice((c * g.Height + y) * g.Width);
                        int x0 = first * s - g.Padding + j;
                        if (s == 1) AddShort(src[first..last], dest.Slice(x0, last - first));
                        else for (int ox = first; ox < last; ox++) dest[x0 + (ox - first) * s] += src[ox];
                    }
                }
    }

    /// <summary>
    /// dest += src over one output row's run of a tap: 14 values for csnn's 14×14 maps, where TensorPrimitives.Add's
    /// call and dispatch cost more than the adds. csnn's conv2 input gradient (256 images, one / two threads, old and
    /// new alternating): 28.9 / 14.6–15.2 → 26.2–26.6 / 13.5 ms. Each element gets the same one float add.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddShort(ReadOnlySpan<float> src, Span<float> dest)
    {
        ref float s0 = ref MemoryMarshal.GetReference(src);
        ref float d0 = ref MemoryMarshal.GetReference(dest);
        int k = 0, count = Math.Min(src.Length, dest.Length);
        for (; k + 8 <= count; k += 8)
            (Vector256.LoadUnsafe(ref d0, (nuint)k) + Vector256.LoadUnsafe(ref s0, (nuint)k)).StoreUnsafe(ref d0, (nuint)k);
        for (; k + 4 <= count; k += 4)
            (Vector128.LoadUnsafe(ref d0, (nuint)k) + Vector128.LoadUnsafe(ref s0, (nuint)k)).StoreUnsafe(ref d0, (nuint)k);
        for (; k < count; k++) Unsafe.Add(ref d0, k) += Unsafe.Add(ref s0, k);
    }

    /// <summary>The output columns [first, last) whose tap j lands inside the image (the rest read padding).</summary>
    private static (int First, int Last) ValidColumns(int j, in Conv2dGeometry g)
    {
        // x = ox·s − p + j must satisfy 0 ≤ x < W.
        int first = Math.Max(0, (g.Padding - j + g.Stride - 1) / g.Stride);
        int last = Math.Min(g.OutW, (g.Width - 1 + g.Padding - j) / g.Stride + 1);
        if (g.Width - 1 + g.Padding - j < 0) last = 0;
        return (first, Math.Max(first, last));
    }
}
