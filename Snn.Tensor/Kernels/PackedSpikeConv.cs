// The spike convolution's inner loops with the sums kept in registers: forward gathers each output pixel from its
// receptive field's bit-packed spikes, the weight gradient sums each weight row over one channel's spike list.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// <see cref="SpikeConv2dKernel"/>'s scatter adds a weight row into an output pixel for every (spike, tap): a load,
/// an add and a store of O floats each time, and a 512-bit store takes this core (Zen 4) two cycles. csnn's conv2
/// (256 images, 32 → 64 channels, 14×14, 25% ones, one thread) ran at ≈ 6 cycles per 16-float add that way.
/// Here every sum stays in registers while its terms arrive, and memory is only read:
/// <list type="bullet">
/// <item>Forward: an image's spikes are packed into one bit per channel at each pixel of a zero-bordered grid
/// (<see cref="Pack"/>); output pixel (y, x) adds, for each tap (i, j) and each bit c set at grid pixel
/// (y·s + i, x·s + j), the weight row w[:, c, i, j]: a trailing-zero count finds c, no test per input.</item>
/// <item>Weight gradient (stride 1): a channel's spikes are listed once as grid positions; the row of tap (i, j)
/// sums the upstream gradient at each spike's position moved back by (i, j), in a zero-bordered pixel-major copy
/// of the gradient, so no tap needs a range test.</item>
/// </list>
/// Each sum alternates between two sets of accumulators (two chains of adds, not one) and blocks of up to 64 output
/// channels are summed at a time (4 vectors per set). Requires Vector512 and O a multiple of 16 (<see cref="Fits"/>).
/// Float sums in a fixed order (taps, then channels ascending; spikes in (y, x) order), so results are reproducible.
/// </summary>
internal static unsafe class PackedSpikeConv
{
    /// <summary>True when these loops can run geometry <paramref name="g"/>; the weight gradient also needs
    /// <see cref="FitsWeightGradient"/>.</summary>
    public static bool Fits(in Conv2dGeometry g) => Vector512.IsHardwareAccelerated && g.OutChannels % 16 == 0;

    /// <summary>Stride 1 and padding at most kernel − 1, so every tap of every spike lands in the bordered gradient.</summary>
    public static bool FitsWeightGradient(in Conv2dGeometry g) =>
        Fits(g) && g.Stride == 1 && g.Padding <= Math.Min(g.KernelH, g.KernelW) - 1;

    /// <summary>Words of 64 channel bits per grid pixel.</summary>
    public static int Words(in Conv2dGeometry g) => (g.InChannels + 63) / 64;

    /// <summary>Grid pixels of the padded input, (H + 2p) × (W + 2p).</summary>
    public static int GridPixels(in Conv2dGeometry g) => (g.Height + 2 * g.Padding) * (g.Width + 2 * g.Padding);

    /// <summary>grid [(H + 2p)·(W + 2p), words] = one bit per channel that fired at each pixel, 0 on the border.</summary>
    public static void Pack(float* image, in Conv2dGeometry g, ulong* grid)
    {
        int words = Words(g), gridWidth = g.Width + 2 * g.Padding, plane = g.Height * g.Width;
        new Span<ulong>(grid, GridPixels(g) * words).Clear();
        for (int c = 0; c < g.InChannels; c++)
        {
            ulong bit = 1UL << (c & 63);
            ulong* word = grid + (c >> 6) + ((long)g.Padding * gridWidth + g.Padding) * words;
            float* values = image + (long)c * plane;
            for (int y = 0; y < g.Height; y++)
                for (int x = 0; x < g.Width; x += 16)
                    for (uint mask = RowMask(values, y * g.Width + x, g.Width - x, plane); mask != 0; mask &= mask - 1)
                        word[((long)y * gridWidth + x + BitOperations.TrailingZeroCount(mask)) * words] |= bit;
        }
    }

    /// <summary>Bit k set when values[at + k] ≠ 0, for k below 16 and <paramref name="rowLeft"/>; never reads at or past <paramref name="end"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint RowMask(float* values, int at, int rowLeft, int end)
    {
        uint mask = SpikeConv2dKernel.NonzeroMask16(values + at, end - at);
        return rowLeft >= 16 ? mask : mask & ((1u << rowLeft) - 1);
    }

    /// <summary>
    /// Whether <see cref="Forward"/> beats the scatter on this image. The gather visits every tap of every output
    /// pixel once per 64 output channels (≈ 15 cycles with its loop exit mispredicted) and then adds s·v vectors,
    /// s the spikes in the tap's word of channels and v the block's vectors (≤ 4); the scatter pays ≈ 4 cycles
    /// more per such vector. One thread, 256 images, 3×3, ms gather / scatter: 32 → 64 on 14×14 at 5%, 7%, 10%,
    /// 25% ones (s·v = 6.4, 9, 12.8, 31) 9.2 / 6.8, 8.4 / 8.1, 9.0 / 12.2, 12.1 / 21.8; 16 → 32 on 28×28 at 15%,
    /// 35% (4.8, 11.2) 26.2 / 20.1, 35.7 / 47.2; 8 → 16 at 30%, 50% (2.4, 4) 21.7 / 12.9, 26.6 / 23.6. So: s·v ≥ 8.
    /// </summary>
    /// <param name="ones">The image's spikes (<see cref="Ones"/>).</param>
    public static bool GatherPays(long ones, in Conv2dGeometry g) =>
        ones * Math.Min(64, g.OutChannels) >= 128L * g.Height * g.Width * Words(g);

    /// <summary>
    /// Whether <see cref="WeightGradient"/> beats the scatter on this image: it lists each channel's spikes and
    /// makes one pass over them per tap and block of 64 channels (≈ 50 cycles each), then saves ≈ 4 cycles per
    /// vector added. One thread, 256 images, 3×3, ms listed / scatter: 32 → 64 on 14×14 at 2%, 7%, 25% ones
    /// (3.9, 14, 48 spikes a channel) 5.1 / 4.0, 6.6 / 7.4, 11 / 20; 16 → 32 on 28×28 at 4.4% (34) 8.2 / 9.0;
    /// 8 → 16 at 7% (55) 4.5 / 5.8. So: spikes per channel × v ≥ 24.
    /// </summary>
    public static bool WeightGradientPays(float* image, in Conv2dGeometry g) =>
        Ones(image, g) * Math.Min(64, g.OutChannels) >= 16L * 24 * g.InChannels;

    /// <summary>The nonzero values of an image [C, H, W] of <paramref name="g"/>.</summary>
    internal static long Ones(float* image, in Conv2dGeometry g) =>
        SpikeConv2dKernel.CountNonzero(image, (long)g.InChannels * g.Height * g.Width);

    /// <summary>pixels [Q, O] = the packed image's spikes ⊛ w (no bias); weightRows is the weight as [C·kh·kw, O].</summary>
    public static void Forward(ulong* grid, in Conv2dGeometry g, float* weightRows, float* pixels)
    {
        for (int block = 0; block < g.OutChannels; block += 64)
            switch (Math.Min(4, (g.OutChannels - block) / 16))
            {
                case 4: Gather<Four>(grid, g, weightRows + block, pixels + block); break;
                case 3: Gather<Three>(grid, g, weightRows + block, pixels + block); break;
                case 2: Gather<Two>(grid, g, weightRows + block, pixels + block); break;
                default: Gather<One>(grid, g, weightRows + block, pixels + block); break;
            }
    }

    /// <summary>Forward for the 16·<typeparamref name="TWidth"/> output channels at <paramref name="rows"/> and <paramref name="pixels"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gather<TWidth>(ulong* grid, in Conv2dGeometry g, float* rows, float* pixels) where TWidth : struct, IWidth
    {
        int words = Words(g), gridWidth = g.Width + 2 * g.Padding, kh = g.KernelH, kw = g.KernelW, o = g.OutChannels;
        long channelRows = (long)kh * kw * o, wordRows = 64 * channelRows;
        for (int y = 0; y < g.OutH; y++)
            for (int x = 0; x < g.OutW; x++)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
                ulong* corner = grid + ((long)y * g.Stride * gridWidth + (long)x * g.Stride) * words;
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                    {
                        ulong* tap = corner + ((long)i * gridWidth + j) * words;
                        float* tapRows = rows + (long)(i * kw + j) * o;
                        for (int word = 0; word < words; word++, tapRows += wordRows)
                            for (ulong bits = tap[word]; bits != 0;)
                            {
                                float* r = tapRows + BitOperations.TrailingZeroCount(bits) * channelRows;
                                bits &= bits - 1;
                                a0 += Vector512.Load(r);
                                if (TWidth.Vectors > 1) a1 += Vector512.Load(r + 16);
                                if (TWidth.Vectors > 2) a2 += Vector512.Load(r + 32);
                                if (TWidth.Vectors > 3) a3 += Vector512.Load(r + 48);
                                if (bits == 0) break;
                                r = tapRows + BitOperations.TrailingZeroCount(bits) * channelRows;
                                bits &= bits - 1;
                                b0 += Vector512.Load(r);
                                if (TWidth.Vectors > 1) b1 += Vector512.Load(r + 16);
                                if (TWidth.Vectors > 2) b2 += Vector512.Load(r + 32);
                                if (TWidth.Vectors > 3) b3 += Vector512.Load(r + 48);
                            }
                    }
                float* dest = pixels + ((long)y * g.OutW + x) * o;
                (a0 + b0).Store(dest);
                if (TWidth.Vectors > 1) (a1 + b1).Store(dest + 16);
                if (TWidth.Vectors > 2) (a2 + b2).Store(dest + 32);
                if (TWidth.Vectors > 3) (a3 + b3).Store(dest + 48);
            }
    }

    /// <summary>Rows and columns of zeros around the gradient grid: kernel − 1 − padding (taps that fall off the output).</summary>
    public static (int Top, int Left) GradientBorder(in Conv2dGeometry g) => (g.KernelH - 1 - g.Padding, g.KernelW - 1 - g.Padding);

    /// <summary>Pixels of the bordered gradient grid.</summary>
    public static int GradientGridPixels(in Conv2dGeometry g)
    {
        var (top, left) = GradientBorder(g);
        return (g.OutH + 2 * top) * (g.OutW + 2 * left);
    }

    /// <summary>grid [(oh + 2·top)·(ow + 2·left), O] = pixel-major gradient [Q, O] inside a border that
    /// <paramref name="clearBorder"/> zeroes (once per buffer and geometry: only the inside is written here).</summary>
    public static void BorderGradient(float* pixelMajor, in Conv2dGeometry g, float* grid, bool clearBorder)
    {
        var (top, left) = GradientBorder(g);
        int gridWidth = g.OutW + 2 * left, o = g.OutChannels;
        if (clearBorder) new Span<float>(grid, GradientGridPixels(g) * o).Clear();
        for (int y = 0; y < g.OutH; y++)
            new ReadOnlySpan<float>(pixelMajor + (long)y * g.OutW * o, g.OutW * o)
                .CopyTo(new Span<float>(grid + ((long)(y + top) * gridWidth + left) * o, g.OutW * o));
    }

    /// <summary>
    /// rows [C·kh·kw, O] += this image's weight gradient: row (c, i, j) += Σ over the spikes of channel c of the
    /// bordered gradient <paramref name="grid"/> at the pixel tap (i, j) sent the spike to. <paramref name="spikes"/>
    /// is scratch for one channel's H·W positions. <paramref name="prefetch"/>: as in <see cref="SpikeConv2dKernel"/>.
    /// </summary>
    public static void WeightGradient(float* image, in Conv2dGeometry g, float* grid, int* spikes, float* rows,
        float* prefetch, long prefetchLength)
    {
        var (top, left) = GradientBorder(g);
        int gridWidth = g.OutW + 2 * left, plane = g.Height * g.Width, o = g.OutChannels, kh = g.KernelH, kw = g.KernelW;
        long linesPerChannel = (prefetchLength + 16 * g.InChannels - 1) / (16 * g.InChannels);
        for (int c = 0; c < g.InChannels; c++)
        {
            if (prefetch is not null)
                for (long line = c * linesPerChannel; line < (c + 1) * linesPerChannel && line * 16 < prefetchLength; line++)
                    SpikeConv2dKernel.Prefetch(prefetch + line * 16);
            // Spike (y, x) feeds output pixel (y + p − i, x + p − j) through tap (i, j): grid position
            // (y + p + top − i)·gridWidth + x + p + left − j, so each tap is one step back from a listed position.
            float* values = image + (long)c * plane;
            int count = 0;
            for (int y = 0; y < g.Height; y++)
            {
                int rowStart = (y + g.Padding + top) * gridWidth + g.Padding + left;
                for (int x = 0; x < g.Width; x += 16)
                    for (uint mask = RowMask(values, y * g.Width + x, g.Width - x, plane); mask != 0; mask &= mask - 1)
                        spikes[count++] = rowStart + x + BitOperations.TrailingZeroCount(mask);
            }
            if (count == 0) continue;
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                {
                    float* row = rows + ((long)(c * kh + i) * kw + j) * o, columns = grid - ((long)i * gridWidth + j) * o;
                    for (int block = 0; block < o; block += 64)
                        switch (Math.Min(4, (o - block) / 16))
                        {
                            case 4: Sum<Four>(spikes, count, columns + block, o, row + block); break;
                            case 3: Sum<Three>(spikes, count, columns + block, o, row + block); break;
                            case 2: Sum<Two>(spikes, count, columns + block, o, row + block); break;
                            default: Sum<One>(spikes, count, columns + block, o, row + block); break;
                        }
                }
        }
    }

    /// <summary>row += Σ_k columns[spikes[k]·o], 16·<typeparamref name="TWidth"/> floats wide.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sum<TWidth>(int* spikes, int count, float* columns, int o, float* row) where TWidth : struct, IWidth
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
        int k = 0;
        for (; k + 2 <= count; k += 2)
        {
            float* p = columns + (long)spikes[k] * o, q = columns + (long)spikes[k + 1] * o;
            a0 += Vector512.Load(p);
            b0 += Vector512.Load(q);
            if (TWidth.Vectors > 1) { a1 += Vector512.Load(p + 16); b1 += Vector512.Load(q + 16); }
            if (TWidth.Vectors > 2) { a2 += Vector512.Load(p + 32); b2 += Vector512.Load(q + 32); }
            if (TWidth.Vectors > 3) { a3 += Vector512.Load(p + 48); b3 += Vector512.Load(q + 48); }
        }
        if (k < count)
        {
            float* p = columns + (long)spikes[k] * o;
            a0 += Vector512.Load(p);
            if (TWidth.Vectors > 1) a1 += Vector512.Load(p + 16);
            if (TWidth.Vectors > 2) a2 += Vector512.Load(p + 32);
            if (TWidth.Vectors > 3) a3 += Vector512.Load(p + 48);
        }
        (Vector512.Load(row) + (a0 + b0)).Store(row);
        if (TWidth.Vectors > 1) (Vector512.Load(row + 16) + (a1 + b1)).Store(row + 16);
        if (TWidth.Vectors > 2) (Vector512.Load(row + 32) + (a2 + b2)).Store(row + 32);
        if (TWidth.Vectors > 3) (Vector512.Load(row + 48) + (a3 + b3)).Store(row + 48);
    }

    /// <summary>How many 16-float vectors one block of output channels spans; a type, so each width compiles to
    /// its own loop with the unused accumulators gone.</summary>
    private interface IWidth { static abstract int Vectors { get; } }
    private struct One : IWidth { public static int Vectors => 1; }
    private struct Two : IWidth { public static int Vectors => 2; }
    private struct Three : IWidth { public static int Vectors => 3; }
    private struct Four : IWidth { public static int Vectors => 4; }
}
