// A direct-encoded SNN's first stage in one pass: convolve the image, fire the neurons over T steps, pool.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// Inference of the stage that sees the image: with direct encoding the same image enters at every step, so its
/// convolution (batch norm folded into weight and bias) is one current per neuron, repeated over T. Run as ops in
/// turn, the convolution writes [N, O, H, W] currents (6.4 MB for csnn at batch 64) for the neurons to read back,
/// through an im2col GEMM whose depth is only C·kh·kw (9 for one input channel), where packing and stores cost more
/// than the multiply-adds, and adds the bias in a third pass. Here each group of output planes is convolved straight
/// from a zero-padded copy of its image into this thread's cache, 16 output pixels per chain of fused multiply-adds,
/// then fired and pooled (<see cref="NeuronPoolKernel.FireAndPool"/>) or fired and copied out. csnn's first stage
/// (64 images, 32 channels, T = 4, 2×2 pool), medians in one process: 2.8–3.2 / 1.6–2.0 ms (one / two threads) as
/// the convolution then the fused neurons and pool, 2.2–2.4 / 1.2–1.4 ms here.
/// Each current sums its taps with fused multiply-adds in im2col order (channel, kernel row, kernel column) from 0,
/// then adds the bias: what <see cref="Conv2dKernel.Forward"/> computes for a patch of at most <see cref="Gemm.KC"/>
/// values (one depth block), so the spikes are bit-identical to the convolution, neurons and pool in turn (tested).
/// </summary>
public static unsafe class ImageConvNeuronKernel
{
    [ThreadStatic] private static float[]? t_padded, t_currents, t_spikes;

    /// <summary>Whether <see cref="Forward"/> takes this convolution: a patch the GEMM sums in one depth block.</summary>
    public static bool Supports(in Conv2dGeometry g) => g.PatchSize <= Gemm.KC;

    /// <param name="images">[N, C, H, W], the input of every step.</param>
    /// <param name="g">The convolution over the N images.</param>
    /// <param name="pool">Null, or the pooling of one step: Batch·Channels = N·O planes of oh × ow.</param>
    /// <param name="output">[T, N, O, oh, ow] spikes, or [T, N, O, pooled h, pooled w]; overwritten.</param>
    /// <param name="membrane">Empty (start at rest) or [N·O·oh·ow]: v before the first step, overwritten with v after the last.</param>
    public static void Forward(ReadOnlySpan<float> images, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, in Conv2dGeometry g,
        int timeSteps, in NeuronSpec spec, Pool2dGeometry? pool, Span<float> output, Span<float> membrane = default)
    {
        g.CheckLength("images", images.Length, g.InputLength);
        g.CheckLength("weight", weight.Length, g.WeightLength);
        if (!bias.IsEmpty) g.CheckLength("bias", bias.Length, g.OutChannels);
        if (!Supports(g))
            throw new ArgumentException($"ImageConvNeuronKernel: a patch of {g.PatchSize} values (C·kh·kw) is over {Gemm.KC}; use the convolution and the neurons in turn.");
        if (timeSteps < 1) throw new ArgumentException($"ImageConvNeuronKernel: timeSteps must be at least 1, got {timeSteps}.");
        spec.Validate();
        // The neurons as planes (a pool of 1 that ForEachGroup sizes groups by), and the pool over the same planes.
        var planes = new Pool2dGeometry(g.Batch, g.OutChannels, g.OutH, g.OutW, 1, 1, 0);
        var poolGeo = pool ?? planes;
        if (pool is not null && (poolGeo.Planes != planes.Planes || poolGeo.Height != g.OutH || poolGeo.Width != g.OutW))
            throw new ArgumentException($"ImageConvNeuronKernel: the pool {poolGeo} does not cover the convolution's {planes.Planes} planes of {g.OutH}×{g.OutW}.");
        long perStep = pool is null ? g.OutputLength : poolGeo.OutputLength;
        if (output.Length != timeSteps * perStep)
            throw new ArgumentException($"ImageConvNeuronKernel: output has {output.Length} values; expected {timeSteps}·{perStep}.");
        if (!membrane.IsEmpty && membrane.Length != g.OutputLength)
            throw new ArgumentException($"ImageConvNeuronKernel: membrane has {membrane.Length} values for {g.OutputLength} neurons.");
        var geo = g;
        var sp = spec;
        bool pooled = pool is not null;
        int plane = g.OutPixels, steps = timeSteps;
        fixed (float* px = images, pw = weight, pb = bias, py = output, pm = membrane)
        {
            float* x = px, w = pw, b = pb, y = py, m = pm;
            NeuronPoolKernel.ForEachGroup(planes, steps, (q0, q1) =>
            {
                int count = (q1 - q0) * plane;
                long first = (long)q0 * plane;
                float* state = m == null ? null : m + first;
                fixed (float* c = ThreadBuffer.Grow(ref t_currents, count))
                {
                    Convolve(x, w, b, geo, q0, q1, c);
                    if (pooled) NeuronPoolKernel.FireAndPool(c, 0, q0, q1, steps, sp, poolGeo, y, null, state);
                    else FireAndCopy(c, count, first, geo.OutputLength, steps, sp, y, state);
                }
            });
        }
    }

    /// <summary>The currents of output planes [q0, q1) (plane q = image q / O, channel q % O) into <paramref name="currents"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Convolve(float* images, float* weight, float* bias, in Conv2dGeometry g, int q0, int q1, float* currents)
    {
        int pad = g.Padding, hp = g.Height + 2 * pad, wp = g.Width + 2 * pad, patch = g.PatchSize;
        var padded = ThreadBuffer.Grow(ref t_padded, g.InChannels * hp * wp);
        int image = -1;
        fixed (float* src = padded)
            for (int q = q0; q < q1; q++, currents += g.OutPixels)
            {
                int n = q / g.OutChannels, o = q % g.OutChannels;
                if (n != image) { Pad(images + (long)n * g.InChannels * g.Height * g.Width, g, src); image = n; }
                float* w = weight + (long)o * patch;
                float b = bias == null ? 0f : bias[o];
                if (g.Stride == 1 && g.OutW >= 16 && Vector512.IsHardwareAccelerated)
                {
                    if (g.KernelH == 3 && g.KernelW == 3) Plane3x3Lanes(src, w, b, bias != null, g, currents);
                    else PlaneLanes(src, w, b, bias != null, g, currents);
                }
                else PlaneScalar(src, w, b, bias != null, g, currents);
            }
    }

    /// <summary>Image n's [C, H, W] into <paramref name="padded"/> [C, H + 2p, W + 2p] with a zero border of p.</summary>
    private static void Pad(float* image, in Conv2dGeometry g, float* padded)
    {
        int pad = g.Padding, hp = g.Height + 2 * pad, wp = g.Width + 2 * pad;
        new Span<float>(padded, g.InChannels * hp * wp).Clear();
        for (int c = 0; c < g.InChannels; c++)
            for (int row = 0; row < g.Height; row++)
                new ReadOnlySpan<float>(image + ((long)c * g.Height + row) * g.Width, g.Width)
                    .CopyTo(new Span<float>(padded + ((long)c * hp + row + pad) * wp + pad, g.Width));
    }

    /// <summary>
    /// One plane at stride 1: each output row in vectors of 16 pixels, the last one ending at the row's end
    /// (overlapping the one before when the width is not a multiple of 16: those pixels are computed twice, the same).
    /// Four rows at a time, so four independent chains of multiply-adds hide their latency.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PlaneLanes(float* padded, float* w, float b, bool hasBias, in Conv2dGeometry g, float* y, int firstRow = 0)
    {
        int hp = g.Height + 2 * g.Padding, wp = g.Width + 2 * g.Padding, ow = g.OutW, oy = firstRow;
        var shift = Vector512.Create(b);
        for (; oy + 4 <= g.OutH; oy += 4)
            for (int ox = 0; ox < ow; ox += 16)
            {
                int at = Math.Min(ox, ow - 16);
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                int p = 0;
                for (int c = 0; c < g.InChannels; c++)
                    for (int ky = 0; ky < g.KernelH; ky++)
                    {
                        float* row = padded + ((long)c * hp + oy + ky) * wp + at;
                        for (int kx = 0; kx < g.KernelW; kx++, p++)
                        {
                            var tap = Vector512.Create(w[p]);
                            a0 = Vector512.FusedMultiplyAdd(tap, Vector512.Load(row + kx), a0);
                            a1 = Vector512.FusedMultiplyAdd(tap, Vector512.Load(row + wp + kx), a1);
                            a2 = Vector512.FusedMultiplyAdd(tap, Vector512.Load(row + 2 * wp + kx), a2);
                            a3 = Vector512.FusedMultiplyAdd(tap, Vector512.Load(row + 3 * wp + kx), a3);
                        }
                    }
                if (hasBias) { a0 += shift; a1 += shift; a2 += shift; a3 += shift; }
                float* dst = y + oy * ow + at;
                a0.Store(dst); a1.Store(dst + ow); a2.Store(dst + 2 * ow); a3.Store(dst + 3 * ow);
            }
        for (; oy < g.OutH; oy++)
            for (int ox = 0; ox < ow; ox += 16)
            {
                int at = Math.Min(ox, ow - 16);
                var acc = Vector512<float>.Zero;
                int p = 0;
                for (int c = 0; c < g.InChannels; c++)
                    for (int ky = 0; ky < g.KernelH; ky++)
                    {
                        float* row = padded + ((long)c * hp + oy + ky) * wp + at;
                        for (int kx = 0; kx < g.KernelW; kx++, p++)
                            acc = Vector512.FusedMultiplyAdd(Vector512.Create(w[p]), Vector512.Load(row + kx), acc);
                    }
                if (hasBias) acc += shift;
                acc.Store(y + oy * ow + at);
            }
    }

    /// <summary>
    /// <see cref="PlaneLanes"/> for a 3×3 kernel (the usual first convolution): a channel's nine weights stay in
    /// registers, and each of the six input rows under four output rows is loaded once (three shifted vectors) and
    /// fed to every output row whose window covers it (18 loads per 36 multiply-adds instead of 45). An output row
    /// still sees its taps in im2col order: its window's rows come in ascending order and each row's three columns
    /// left to right. csnn's 64 × 32 planes of 28 × 28 took 0.65 ms of a one-thread stage through
    /// <see cref="PlaneLanes"/>; here about 0.3 ms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Plane3x3Lanes(float* padded, float* w, float b, bool hasBias, in Conv2dGeometry g, float* y)
    {
        int hp = g.Height + 2 * g.Padding, wp = g.Width + 2 * g.Padding, ow = g.OutW, oh = g.OutH, rows = oh / 4 * 4;
        var shift = Vector512.Create(b);
        for (int oy = 0; oy < rows; oy += 4)
            for (int ox = 0; ox < ow; ox += 16)
            {
                int at = Math.Min(ox, ow - 16);
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int c = 0; c < g.InChannels; c++)
                {
                    float* k = w + 9 * c;
                    var (w00, w01, w02) = (Vector512.Create(k[0]), Vector512.Create(k[1]), Vector512.Create(k[2]));
                    var (w10, w11, w12) = (Vector512.Create(k[3]), Vector512.Create(k[4]), Vector512.Create(k[5]));
                    var (w20, w21, w22) = (Vector512.Create(k[6]), Vector512.Create(k[7]), Vector512.Create(k[8]));
                    float* row = padded + ((long)c * hp + oy) * wp + at;
                    // Input row r serves output row j through kernel row r − j.
                    var (x0, x1, x2) = Shifted(row);
                    a0 = Taps(a0, x0, x1, x2, w00, w01, w02);
                    (x0, x1, x2) = Shifted(row + wp);
                    a0 = Taps(a0, x0, x1, x2, w10, w11, w12); a1 = Taps(a1, x0, x1, x2, w00, w01, w02);
                    (x0, x1, x2) = Shifted(row + 2 * wp);
                    a0 = Taps(a0, x0, x1, x2, w20, w21, w22); a1 = Taps(a1, x0, x1, x2, w10, w11, w12); a2 = Taps(a2, x0, x1, x2, w00, w01, w02);
                    (x0, x1, x2) = Shifted(row + 3 * wp);
                    a1 = Taps(a1, x0, x1, x2, w20, w21, w22); a2 = Taps(a2, x0, x1, x2, w10, w11, w12); a3 = Taps(a3, x0, x1, x2, w00, w01, w02);
                    (x0, x1, x2) = Shifted(row + 4 * wp);
                    a2 = Taps(a2, x0, x1, x2, w20, w21, w22); a3 = Taps(a3, x0, x1, x2, w10, w11, w12);
                    (x0, x1, x2) = Shifted(row + 5 * wp);
                    a3 = Taps(a3, x0, x1, x2, w20, w21, w22);
                }
                if (hasBias) { a0 += shift; a1 += shift; a2 += shift; a3 += shift; }
                float* dst = y + oy * ow + at;
                a0.Store(dst); a1.Store(dst + ow); a2.Store(dst + 2 * ow); a3.Store(dst + 3 * ow);
            }
        if (rows < oh) PlaneLanes(padded, w, b, hasBias, g, y, rows);
    }

    /// <summary>Sixteen pixels from <paramref name="row"/>, one and two further: the three columns of a 3-wide window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>) Shifted(float* row) =>
        (Vector512.Load(row), Vector512.Load(row + 1), Vector512.Load(row + 2));

    /// <summary>acc + w0·x0 + w1·x1 + w2·x2, one fused multiply-add at a time, left to right.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Taps(Vector512<float> acc, Vector512<float> x0, Vector512<float> x1, Vector512<float> x2,
        Vector512<float> w0, Vector512<float> w1, Vector512<float> w2) =>
        Vector512.FusedMultiplyAdd(w2, x2, Vector512.FusedMultiplyAdd(w1, x1, Vector512.FusedMultiplyAdd(w0, x0, acc)));

    /// <summary>One plane, any stride, a pixel at a time: the same fused multiply-adds in the same order.</summary>
    private static void PlaneScalar(float* padded, float* w, float b, bool hasBias, in Conv2dGeometry g, float* y)
    {
        int hp = g.Height + 2 * g.Padding, wp = g.Width + 2 * g.Padding, s = g.Stride;
        for (int oy = 0; oy < g.OutH; oy++)
            for (int ox = 0; ox < g.OutW; ox++)
            {
                float acc = 0f;
                int p = 0;
                for (int c = 0; c < g.InChannels; c++)
                    for (int ky = 0; ky < g.KernelH; ky++)
                    {
                        float* row = padded + ((long)c * hp + oy * s + ky) * wp + ox * s;
                        for (int kx = 0; kx < g.KernelW; kx++, p++) acc = MathF.FusedMultiplyAdd(w[p], row[kx], acc);
                    }
                *y++ = hasBias ? acc + b : acc;
            }
    }

    /// <summary>Fires a group's <paramref name="count"/> neurons (from neuron <paramref name="first"/> of n per step) and writes their T spike rows.</summary>
    private static void FireAndCopy(float* currents, int count, long first, long n, int steps, in NeuronSpec spec, float* y, float* membrane)
    {
        var spikes = ThreadBuffer.Grow(ref t_spikes, steps * count);
        var state = membrane == null ? default : new Span<float>(membrane, count);
        NeuronKernel.ForwardSpikesSerial(new ReadOnlySpan<float>(currents, count), count, steps, spec, spikes, state, inputStride: 0);
        for (int t = 0; t < steps; t++)
            spikes.Slice(t * count, count).CopyTo(new Span<float>(y + t * n + first, count));
    }
}
