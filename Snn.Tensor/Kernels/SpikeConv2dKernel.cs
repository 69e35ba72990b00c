// Convolution of 0/1 spike maps as accumulation: every spike adds weight rows, no multiplies, zeros skipped.
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Snn.Kernels;

/// <summary>
/// When the input of a convolution is spikes (every value 0 or 1), x ⊛ w is a sum of weight columns over the
/// inputs that fired: a spike at (c, y, x) adds w[:, c, i, j] to output pixel ((y + p − i)/s, (x + p − j)/s) for
/// every tap (i, j) that lands on the output grid. At the firing rates of trained SNNs (5–20%) that is a few
/// percent of the dense GEMM's work. The weight gradient has the same shape: a spike adds the upstream gradient
/// of each output pixel it fed. Both work in pixel-major [Q, O] layout so one tap is O contiguous adds, then
/// transpose. Where <see cref="PackedSpikeConv"/> fits (Vector512, O a multiple of 16) its loops keep each sum in
/// registers; elsewhere the scatter below adds into memory. Shapes as <see cref="Conv2dKernel"/>; same results as
/// <see cref="Conv2dReference"/> up to float summation order. The order is fixed (here spikes in (c, y, x) order,
/// taps in (i, j) order; the weight gradient's images dealt to chunks round-robin, partials added in chunk order),
/// so results are reproducible for a given thread count.
/// </summary>
public static unsafe class SpikeConv2dKernel
{
    /// <summary>Above this fraction of ones the dense GEMM is cheaper (it does not care what the values are).</summary>
    public const double MaxDensity = 0.4;

    [ThreadStatic] private static float[]? t_pixelMajor, t_gradientGrid;
    [ThreadStatic] private static ulong[]? t_packed;
    [ThreadStatic] private static int[]? t_spikeList;

    /// <summary>
    /// True when every value is 0 or 1 and at most <see cref="MaxDensity"/> of them are 1: the inputs for which
    /// <see cref="Forward"/> and <see cref="BackwardWeight"/> beat the dense kernel. Stops at the first other value.
    /// </summary>
    public static bool IsSparseSpikes(ReadOnlySpan<float> input)
    {
        // A whole-layer scan sits between two parallel kernels: split it too (chunks of ≥ 256 KB). Counts are
        // integers, so adding them in whatever order the chunks finish gives the same total.
        long ones = 0;
        bool binary = true;
        fixed (float* x = input)
        {
            float* xp = x;
            Parallelism.For(input.Length, 65536, (start, end) =>
            {
                long count = CountOnes(new ReadOnlySpan<float>(xp + start, end - start));
                if (count < 0) Volatile.Write(ref binary, false);
                else Interlocked.Add(ref ones, count);
            });
        }
        return binary && ones <= MaxDensity * input.Length;
    }

    /// <summary>The number of ones, or −1 at the first value that is neither 0 nor 1.</summary>
    internal static long CountOnes(ReadOnlySpan<float> input)
    {
        // Vectorised and branch-free per element: a scalar test mispredicts on every spike.
        long ones = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= input.Length; i += 8)
            {
                var v = Vector256.Create(input.Slice(i, 8));
                var one = Vector256.Equals(v, Vector256<float>.One);
                if ((one | Vector256.Equals(v, Vector256<float>.Zero)).AsUInt32() != Vector256<uint>.AllBitsSet) return -1;
                ones += System.Numerics.BitOperations.PopCount(one.ExtractMostSignificantBits());
            }
        for (; i < input.Length; i++)
        {
            if (input[i] == 1f) ones++;
            else if (input[i] != 0f) return -1;
        }
        return ones;
    }

    /// <summary>output [N, O, oh, ow] = spikes [N, C, H, W] ⊛ weight [O, C, kh, kw] + bias (overwritten).</summary>
    public static void Forward(ReadOnlySpan<float> spikes, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, in Conv2dGeometry g,
        Span<float> output)
    {
        g.CheckLength("input", spikes.Length, g.InputLength);
        g.CheckLength("weight", weight.Length, g.WeightLength);
        g.CheckLength("output", output.Length, g.OutputLength);
        if (!bias.IsEmpty) g.CheckLength("bias", bias.Length, g.OutChannels);
        var geo = g;
        float[] weightRows = ArrayPool<float>.Shared.Rent(g.WeightLength);
        fixed (float* x = spikes, w = weight, wt = weightRows, b = bias, y = output)
        {
            Transpose.Matrix(w, g.OutChannels, g.PatchSize, wt);
            nint xp = (nint)x, wp = (nint)wt, yp = (nint)y;
            float* bp = bias.IsEmpty ? null : b;
            nint biasPointer = (nint)bp;
            Parallelism.For(g.Batch, 4, (n0, n1) =>
            {
                float* acc = PixelMajor(geo.OutPixels * geo.OutChannels);
                for (int n = n0; n < n1; n++)
                    Image((float*)xp, n, PackedSpikeConv.Ones((float*)xp + (long)n * geo.InChannels * geo.Height * geo.Width, geo), geo,
                        (float*)wp, (float*)biasPointer, acc, (float*)yp + (long)n * geo.OutChannels * geo.OutPixels);
            });
        }
        ArrayPool<float>.Shared.Return(weightRows);
    }

    /// <summary>
    /// Image <paramref name="n"/> of <paramref name="spikes"/>, which has <paramref name="ones"/> spikes: [O, oh, ow] at
    /// <paramref name="dest"/> = its spikes ⊛ w + bias, summed in this thread's pixel-major <paramref name="accumulator"/>
    /// (<see cref="PixelMajor"/>) and transposed out. <paramref name="weightRows"/> is the weight as [P, O];
    /// <paramref name="bias"/> is null or [O].
    /// </summary>
    internal static void Image(float* spikes, int n, long ones, in Conv2dGeometry g, float* weightRows, float* bias, float* accumulator, float* dest)
    {
        float* image = spikes + (long)n * g.InChannels * g.Height * g.Width;
        if (PackedSpikeConv.Fits(g) && PackedSpikeConv.GatherPays(ones, g))
        {
            ulong* grid = ThreadBuffer.Pinned(ref t_packed, PackedSpikeConv.GridPixels(g) * PackedSpikeConv.Words(g));
            PackedSpikeConv.Pack(image, g, grid);
            PackedSpikeConv.Forward(grid, g, weightRows, accumulator);
        }
        else
        {
            new Span<float>(accumulator, g.OutPixels * g.OutChannels).Clear();
            Scatter(image, g, weightRows, accumulator, intoRows: false);
        }
        Transpose.Matrix(accumulator, g.OutPixels, g.OutChannels, dest, bias);
    }

    /// <summary>
    /// gradWeight [O, C, kh, kw] = Σ_n Σ_spikes gradOutput (overwritten); the spikes are the forward input.
    /// Each chunk sums its images (round-robin) into its own [P, O] partial; partials add in chunk order.
    /// </summary>
    public static void BackwardWeight(ReadOnlySpan<float> spikes, ReadOnlySpan<float> gradOutput, in Conv2dGeometry g, Span<float> gradWeight)
    {
        g.CheckLength("input", spikes.Length, g.InputLength);
        g.CheckLength("gradOutput", gradOutput.Length, g.OutputLength);
        g.CheckLength("gradWeight", gradWeight.Length, g.WeightLength);
        int chunks = Parallelism.Chunks(g.Batch, 1), size = g.WeightLength, stride = Partials.Stride(size);
        float[] partials = Partials.Rent(chunks, size);
        var geo = g;
        fixed (float* x = spikes, dy = gradOutput, rented = partials, gw = gradWeight)
        {
            float* parts = Partials.First(rented);
            nint xp = (nint)x, dyp = (nint)dy, pp = (nint)parts;
            bool packed = PackedSpikeConv.FitsWeightGradient(g);
            Parallelism.For(chunks, 1, (c0, c1) =>
            {
                float* gradRows = PixelMajor(geo.OutPixels * geo.OutChannels);
                float* grid = packed ? ThreadBuffer.Pinned(ref t_gradientGrid, PackedSpikeConv.GradientGridPixels(geo) * geo.OutChannels) : null;
                int* spikeList = packed ? ThreadBuffer.Pinned(ref t_spikeList, geo.Height * geo.Width) : null;
                bool clearBorder = true;
                for (int chunk = c0; chunk < c1; chunk++)
                {
                    float* partial = (float*)pp + (long)chunk * stride;
                    new Span<float>(partial, size).Clear();
                    long imageLength = (long)geo.OutChannels * geo.OutPixels;
                    for (int n = chunk; n < geo.Batch; n += chunks)
                    {
                        Transpose.Matrix((float*)dyp + n * imageLength, geo.OutChannels, geo.OutPixels, gradRows);
                        float* next = n + chunks < geo.Batch ? (float*)dyp + (n + chunks) * imageLength : null;
                        float* image = (float*)xp + (long)n * geo.InChannels * geo.Height * geo.Width;
                        if (!packed || !PackedSpikeConv.WeightGradientPays(image, geo))
                        {
                            Scatter(image, geo, partial, gradRows, intoRows: true, next, imageLength);
                            continue;
                        }
                        PackedSpikeConv.BorderGradient(gradRows, geo, grid, clearBorder);
                        clearBorder = false;
                        PackedSpikeConv.WeightGradient(image, geo, grid, spikeList, partial, next, imageLength);
                    }
                }
            });
            Partials.SumIntoFirst(parts, chunks, size);
            Transpose.Matrix(parts, g.PatchSize, g.OutChannels, gw);
        }
        ArrayPool<float>.Shared.Return(partials);
    }

    /// <summary>
    /// For every spike of one image [C, H, W] and every kernel tap (i, j) it feeds, in (c, y, x, i, j) order, with
    /// r = (c·kh + i)·kw + j (the weight's patch index) and q the output pixel: rows[r] += pixels[q] when
    /// <paramref name="intoRows"/> (weight gradient), else pixels[q] += rows[r] (forward). Rows and pixels are O wide.
    /// <paramref name="prefetch"/> is null or <paramref name="prefetchLength"/> floats the caller reads next (the next
    /// image's upstream gradient): a slice of it per input channel is asked into L2 while the taps run, so the
    /// transpose that reads it waits on memory less. The weight gradient of csnn's conv2 (one thread) took 2.6 ms
    /// with no spikes and 13.4 ms at 10% ones without it, 1.55 and 11.6 ms with it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scatter(float* image, in Conv2dGeometry g, float* rows, float* pixels, bool intoRows,
        float* prefetch = null, long prefetchLength = 0)
    {
        long linesPerChannel = (prefetchLength + 16 * g.InChannels - 1) / (16 * g.InChannels);
        // The spikes are found 16 values at a time (a compare and a bit mask). Testing every value alone took ~6
        // cycles per input value, more than the adds at the sparsity of a trained network: csnn's conv2 forward on
        // 256 images, one thread, per value → 16 at a time, 4.2 → 2.1 ms with no spike at all, 8.5 → 6.4 ms at 3% ones.
        int plane = g.Height * g.Width;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* values = image + (long)c * plane;
            if (prefetch is not null && Sse.IsSupported)
                for (long line = c * linesPerChannel; line < (c + 1) * linesPerChannel && line * 16 < prefetchLength; line++)
                    Sse.Prefetch1(prefetch + line * 16);
            int q = 0;
            for (; q + 16 <= plane; q += 16)
                for (uint mask = NonzeroMask16(values + q); mask != 0; mask &= mask - 1)
                    Spike(c, q + BitOperations.TrailingZeroCount(mask), g, rows, pixels, intoRows);
            for (; q < plane; q++)
                if (values[q] != 0f) Spike(c, q, g, rows, pixels, intoRows);
        }
    }

    /// <summary>Bit i set when p[i] ≠ 0, for i below 16 and <paramref name="available"/> (values left to read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint NonzeroMask16(float* p, int available)
    {
        if (available >= 16) return NonzeroMask16(p);
        uint mask = 0;
        for (int k = 0; k < available; k++)
            if (p[k] != 0f) mask |= 1u << k;
        return mask;
    }

    /// <summary>The values of p[0, length) that are not 0, 16 at a time.</summary>
    internal static long CountNonzero(float* p, long length)
    {
        long count = 0;
        for (long q = 0; q < length; q += 16) count += BitOperations.PopCount(NonzeroMask16(p + q, (int)Math.Min(16, length - q)));
        return count;
    }

    /// <summary>Asks for the cache line at <paramref name="p"/> into L2 (no-op without SSE).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Prefetch(float* p)
    {
        if (Sse.IsSupported) Sse.Prefetch1(p);
    }

    /// <summary>Bit i set when p[i] ≠ 0, for i in [0, 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint NonzeroMask16(float* p)
    {
        if (Vector512.IsHardwareAccelerated)
            return ~(uint)Vector512.Equals(Vector512.Load(p), Vector512<float>.Zero).ExtractMostSignificantBits() & 0xFFFF;
        uint mask = 0;
        for (int k = 0; k < 16; k += 4)
            mask |= (~Vector128.Equals(Vector128.Load(p + k), Vector128<float>.Zero).ExtractMostSignificantBits() & 0xF) << k;
        return mask;
    }

    /// <summary>The taps of the spike at pixel <paramref name="at"/> of channel <paramref name="c"/>, in (i, j) order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Spike(int c, int at, in Conv2dGeometry g, float* rows, float* pixels, bool intoRows)
    {
        int s = g.Stride, p = g.Padding, o = g.OutChannels;
        int y = at / g.Width, x = at - y * g.Width;
        // Taps i whose output row (y + p − i)/s exists; with stride 1 that is a range.
        int iFirst = Math.Max(0, y + p - (g.OutH - 1) * s), iLast = Math.Min(g.KernelH - 1, y + p);
        int jFirst = Math.Max(0, x + p - (g.OutW - 1) * s), jLast = Math.Min(g.KernelW - 1, x + p);
        float* channelRows = rows + (long)c * g.KernelH * g.KernelW * o;
        if (s == 1)
        {
            // Tap (i, j) lands on output pixel (y + p − i, x + p − j): one step back per tap, no division. With the
            // general path's two divisions per tap, csnn's conv2 (256 images, 20% ones, one thread) took 26.8 ms
            // forward, 20.1 ms this way; at 16 output channels, where a tap is one vector add, 15.8 → 8.1 ms.
            for (int i = iFirst; i <= iLast; i++)
            {
                float* row = channelRows + (long)(i * g.KernelW + jFirst) * o;
                float* pixel = pixels + (long)((y + p - i) * g.OutW + x + p - jFirst) * o;
                for (int j = jFirst; j <= jLast; j++, row += o, pixel -= o)
                    if (intoRows) Add(pixel, row, o);
                    else Add(row, pixel, o);
            }
            return;
        }
        for (int i = iFirst; i <= iLast; i++)
        {
            int oyScaled = y + p - i;
            if (oyScaled % s != 0) continue;
            for (int j = jFirst; j <= jLast; j++)
            {
                int oxScaled = x + p - j;
                if (oxScaled % s != 0) continue;
                float* row = channelRows + (long)(i * g.KernelW + j) * o;
                float* pixel = pixels + (long)(oyScaled / s * g.OutW + oxScaled / s) * o;
                if (intoRows) Add(pixel, row, o);
                else Add(row, pixel, o);
            }
        }
    }

    /// <summary>dest[0..count] += src[0..count].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Add(float* src, float* dest, int count)
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; k + 16 <= count; k += 16) (Vector512.Load(dest + k) + Vector512.Load(src + k)).Store(dest + k);
        for (; k + 8 <= count; k += 8) (Vector256.Load(dest + k) + Vector256.Load(src + k)).Store(dest + k);
        for (; k < count; k++) dest[k] += src[k];
    }

    /// <summary>This thread's [Q, O] accumulator, grown once and reused; 64-byte aligned, so with O a multiple of 16
    /// every tap's vector adds stay within cache lines (csnn's conv2 forward, one thread: 7% faster than unaligned).</summary>
    internal static float* PixelMajor(int length) => ThreadBuffer.Pinned(ref t_pixelMajor, length);
}
