// Max pooling over [N, C, H, W] with argmax indices: planes in parallel, a direct path for 2×2 stride 2.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn.Kernels;

/// <summary>
/// Same contract as <see cref="MaxPool2dReference"/> (output [N, C, OH, OW], indices = flat iy·W + ix in the input
/// plane, padding = −∞, first maximum wins, NaN wins). Faster by clamping each window to the input once instead of
/// testing every tap, and by a dedicated 2×2 stride-2 unpadded path (the pooling every spiking CNN here uses).
/// Each plane belongs to one thread, so backward's scatter-add needs no atomics.
/// </summary>
public static class MaxPool2dKernel
{
    public static unsafe void Forward(ReadOnlySpan<float> input, in Pool2dGeometry geometry, Span<float> output, Span<int> indices)
    {
        var g = geometry;
        g.Validate();
        Check(input.Length, g.InputLength, output.Length, indices.Length, g.OutputLength, "Forward");
        fixed (float* px = input, py = output)
        fixed (int* pi = indices)
        {
            float* x = px, y = py;
            int* ind = pi;
            int planeIn = g.Height * g.Width, planeOut = g.OutHeight * g.OutWidth;
            long inputEnd = input.Length;
            Parallelism.For(g.Planes, Math.Max(1, 16384 / Math.Max(1, planeIn)), (p0, p1) =>
            {
                for (int p = p0; p < p1; p++)
                    Plane(x, (long)p * planeIn, inputEnd, g, new Span<float>(y + (long)p * planeOut, planeOut),
                        new Span<int>(ind + (long)p * planeOut, planeOut));
            });
        }
    }

    /// <summary>
    /// One plane of <see cref="Forward"/>: the [H, W] plane at <paramref name="planeStart"/> of the buffer
    /// <paramref name="input"/> (<paramref name="inputEnd"/> values long) → <paramref name="y"/> [OH, OW] and its
    /// argmax <paramref name="indices"/>.
    /// </summary>
    internal static unsafe void Plane(float* input, long planeStart, long inputEnd, in Pool2dGeometry g, Span<float> y, Span<int> indices)
    {
        if (PlaneLanes(input, planeStart, inputEnd, g, y, indices)) return;
        var xs = new ReadOnlySpan<float>(input + planeStart, g.Height * g.Width);
        if (g is { Kernel: 2, Stride: 2, Padding: 0 }) Plane2x2(xs, g, y, indices);
        else PlaneGeneral(xs, g, y, indices);
    }

    /// <summary>
    /// Values only, for inference (no argmax to save). 2×2 stride 2 and 3×3 stride 2 padding 1 take Forward's lane
    /// paths without the indices, so the values are Forward's. Other windows: per output row, the max over the window's input rows first
    /// (whole rows, vectorised), then over each window's columns; NaN wins, as in <see cref="Forward"/>, and the
    /// values equal Forward's except that a window holding both −0 and +0 may give the other zero.
    /// </summary>
    public static unsafe void ForwardValues(ReadOnlySpan<float> input, in Pool2dGeometry geometry, Span<float> output)
    {
        var g = geometry;
        g.Validate();
        Check(input.Length, g.InputLength, output.Length, output.Length, g.OutputLength, "ForwardValues");
        fixed (float* px = input, py = output)
        {
            float* x = px, y = py;
            int planeIn = g.Height * g.Width, planeOut = g.OutHeight * g.OutWidth;
            long inputEnd = input.Length;
            Parallelism.For(g.Planes, Math.Max(1, 16384 / Math.Max(1, planeIn)), (p0, p1) =>
            {
                Span<float> rowMax = g.Width <= 4096 ? stackalloc float[g.Width] : new float[g.Width];
                for (int p = p0; p < p1; p++) PlaneValues(x, (long)p * planeIn, inputEnd, g, rowMax, new Span<float>(y + (long)p * planeOut, planeOut));
            });
        }
    }

    /// <summary>
    /// One plane of <see cref="ForwardValues"/>: the [H, W] plane at <paramref name="planeStart"/> of the buffer
    /// <paramref name="input"/> (<paramref name="inputEnd"/> values long) → <paramref name="y"/> [OH, OW].
    /// <paramref name="rowMax"/> is W floats of scratch.
    /// </summary>
    internal static unsafe void PlaneValues(float* input, long planeStart, long inputEnd, in Pool2dGeometry g, Span<float> rowMax, Span<float> y)
    {
        if (!PlaneLanes(input, planeStart, inputEnd, g, y, [])) PlaneValues(new ReadOnlySpan<float>(input + planeStart, g.Height * g.Width), g, rowMax, y);
    }

    /// <summary>
    /// <see cref="PlaneValues(float*, long, long, in Pool2dGeometry, Span{float}, Span{float})"/> for a plane of spikes
    /// (every value 0 or 1, as the neuron kernels write them): then the maximum is the same whatever order the taps are
    /// compared in and no NaN can occur, so a 2×2 stride-2 window is two vertical maxima of whole rows and one
    /// maximum of their even and odd columns: ten instructions per 16 outputs, where the general lanes keep each
    /// window's first maximum and its NaN rule (csnn's fire-then-pool, one thread: 1.7 ms of 4 before).
    /// Other geometries, the last row of the buffer and machines without AVX-512 take the general path.
    /// </summary>
    internal static unsafe void PlaneSpikes(float* input, long planeStart, long inputEnd, in Pool2dGeometry g, Span<float> rowMax, Span<float> y)
    {
        if (!Avx512F.IsSupported || g is not { Kernel: 2, Stride: 2, Padding: 0 } || planeStart + (long)g.Height * g.Width + 32 > inputEnd)
        {
            PlaneValues(input, planeStart, inputEnd, g, rowMax, y);
            return;
        }
        int w = g.Width, ow = g.OutWidth;
        var evens = Vector512<int>.Indices * 2;
        var odds = evens + Vector512<int>.One;
        fixed (float* py = y)
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                float* row0 = input + planeStart + 2L * oy * w, row1 = row0 + w, dest = py + oy * ow;
                for (int ox = 0; ox < ow; ox += 16)
                {
                    // Input columns 2·ox … 2·ox + 31; past the row's end they are the next row's, never stored.
                    var low = Vector512.Max(Vector512.Load(row0 + 2 * ox), Vector512.Load(row1 + 2 * ox));
                    var high = Vector512.Max(Vector512.Load(row0 + 2 * ox + 16), Vector512.Load(row1 + 2 * ox + 16));
                    var max = Vector512.Max(Avx512F.PermuteVar16x32x2(low, evens, high), Avx512F.PermuteVar16x32x2(low, odds, high));
                    int count = Math.Min(16, ow - ox);
                    if (count == 16) max.Store(dest + ox);
                    else Avx512F.MaskStore(dest + ox, Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle(), max);
                }
            }
    }

    /// <summary>
    /// The branch-free lane paths, for the two poolings the models use (2×2 stride 2; 3×3 stride 2 padding 1), with
    /// indices or values only (empty <paramref name="indices"/>). False, and nothing written, for other geometries or
    /// without Vector512.
    /// </summary>
    private static unsafe bool PlaneLanes(float* input, long planeStart, long inputEnd, in Pool2dGeometry g, Span<float> y, Span<int> indices)
    {
        if (!Vector512.IsHardwareAccelerated) return false;
        if (g is { Kernel: 2, Stride: 2, Padding: 0 }) Plane2x2Lanes(input, planeStart, inputEnd, g, y, indices);
        else if (g is { Kernel: 3, Stride: 2, Padding: 1 }) Plane3x3Lanes(input, planeStart, inputEnd, g, y, indices);
        else return false;
        return true;
    }

    private static void PlaneValues(ReadOnlySpan<float> x, in Pool2dGeometry g, Span<float> rowMax, Span<float> y)
    {
        int w = g.Width;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int y0 = Math.Max(oy * g.Stride - g.Padding, 0), y1 = Math.Min(oy * g.Stride - g.Padding + g.Kernel, g.Height);
            x.Slice(y0 * w, w).CopyTo(rowMax);
            for (int iy = y0 + 1; iy < y1; iy++) TP.Max(rowMax, x.Slice(iy * w, w), rowMax);
            var yRow = y.Slice(oy * g.OutWidth, g.OutWidth);
            for (int ox = 0; ox < yRow.Length; ox++)
            {
                int x0 = Math.Max(ox * g.Stride - g.Padding, 0), x1 = Math.Min(ox * g.Stride - g.Padding + g.Kernel, w);
                float max = rowMax[x0];
                for (int ix = x0 + 1; ix < x1; ix++) max = Math.Max(max, rowMax[ix]);
                yRow[ox] = max;
            }
        }
    }

    /// <summary>gradInput [N, C, H, W] = scatter-add of gradOutput [N, C, OH, OW] at the saved indices.</summary>
    public static unsafe void Backward(ReadOnlySpan<float> gradOutput, ReadOnlySpan<int> indices, in Pool2dGeometry geometry, Span<float> gradInput)
    {
        var g = geometry;
        g.Validate();
        Check(gradInput.Length, g.InputLength, gradOutput.Length, indices.Length, g.OutputLength, "Backward");
        fixed (float* pgy = gradOutput, pgx = gradInput)
        fixed (int* pi = indices)
        {
            float* gy = pgy, gx = pgx;
            int* ind = pi;
            int planeIn = g.Height * g.Width, planeOut = g.OutHeight * g.OutWidth;
            Parallelism.For(g.Planes, Math.Max(1, 16384 / Math.Max(1, planeIn)), (p0, p1) =>
            {
                var gxs = new Span<float>(gx + (long)p0 * planeIn, (p1 - p0) * planeIn);
                gxs.Clear();
                for (int p = p0; p < p1; p++)
                    for (int o = 0; o < planeOut; o++)
                    {
                        long k = (long)p * planeOut + o;
                        gx[(long)p * planeIn + ind[k]] += gy[k];
                    }
            });
        }
    }

    private static void PlaneGeneral(ReadOnlySpan<float> x, in Pool2dGeometry g, Span<float> y, Span<int> indices)
    {
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++) Window(x, g, oy, ox, y, indices);
    }

    /// <summary>2×2 stride 2, no padding: every window is inside the plane, so the four taps are read directly.</summary>
    private static void Plane2x2(ReadOnlySpan<float> x, in Pool2dGeometry g, Span<float> y, Span<int> indices)
    {
        int w = g.Width, ow = g.OutWidth;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int top = 2 * oy * w;
            for (int ox = 0; ox < ow; ox++) Window2x2(x, top, w, ox, y, indices, oy * ow);
        }
    }

    /// <summary>One 2×2 window: its top-left tap first, then left to right, top to bottom; greater or NaN replaces.</summary>
    private static void Window2x2(ReadOnlySpan<float> x, int top, int w, int ox, Span<float> y, Span<int> indices, int rowStart)
    {
        int index = top + 2 * ox;
        float max = x[index];
        foreach (int tap in (ReadOnlySpan<int>)[index + 1, index + w, index + w + 1])
        {
            float v = x[tap];
            if (v > max || float.IsNaN(v)) { max = v; index = tap; }
        }
        y[rowStart + ox] = max;
        if (!indices.IsEmpty) indices[rowStart + ox] = index;
    }

    /// <summary>
    /// <see cref="Plane2x2"/> for 16 outputs at a time, without branches: the pooled inputs are spikes, and a branch
    /// on a 0/1 value mispredicts about as often as it is taken. Each pair of input rows is split into even and odd
    /// columns, and the taps are taken in the scalar order with the same rule (greater, or NaN, replaces), so values
    /// and indices are identical. Loads may run past the end of a row into the next values of the buffer (the lanes
    /// they feed are not stored); a row group whose loads would leave the buffer goes to the scalar path. Empty
    /// <paramref name="indices"/>: values only.
    /// </summary>
    private static unsafe void Plane2x2Lanes(float* input, long planeStart, long inputEnd, in Pool2dGeometry g, Span<float> y, Span<int> indices)
    {
        int w = g.Width, ow = g.OutWidth;
        bool withIndices = !indices.IsEmpty;
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
        var odds = evens + Vector512<int>.One;
        var columnPairs = Vector512<int>.Indices * 2;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int top = 2 * oy * w;
            for (int ox0 = 0; ox0 < ow; ox0 += 16)
            {
                int count = Math.Min(16, ow - ox0), c = 2 * ox0;
                if (planeStart + top + w + c + 32 > inputEnd)
                {
                    for (int ox = ox0; ox < ox0 + count; ox++) Window2x2(new ReadOnlySpan<float>(input + planeStart, g.Height * w), top, w, ox, y, indices, oy * ow);
                    continue;
                }
                float* row0 = input + planeStart + top + c, row1 = row0 + w;
                var (a0, b0) = Deinterleave(Vector512.Load(row0), Vector512.Load(row0 + 16), evens, odds);
                var (a1, b1) = Deinterleave(Vector512.Load(row1), Vector512.Load(row1 + 16), evens, odds);
                var first = columnPairs + Vector512.Create(top + c);
                var (max, index) = (a0, first);
                (max, index) = Take(max, index, b0, first + Vector512<int>.One);
                (max, index) = Take(max, index, a1, first + Vector512.Create(w));
                (max, index) = Take(max, index, b1, first + Vector512.Create(w + 1));
                Store(max, index, count, y, indices, oy * ow + ox0, withIndices);
            }
        }
    }

    /// <summary>
    /// 3×3 stride 2 padding 1 (the Spikformer tokenizer's pooling), 16 outputs of a row at a time, without branches,
    /// as <see cref="Plane2x2Lanes"/>. Output column j reads input columns 2j − 1, 2j, 2j + 1: the even and odd
    /// columns of the 32 values from 2j₀ − 1, and the even columns of the 32 from 2j₀ + 1. Taps outside the plane
    /// (padding) enter as −∞, which never replaces; the running index starts at the window's first tap inside the
    /// plane, so the values and indices equal <see cref="PlaneGeneral"/>'s. A row group whose loads would leave the
    /// buffer goes to the scalar path.
    /// </summary>
    private static unsafe void Plane3x3Lanes(float* input, long planeStart, long inputEnd, in Pool2dGeometry g, Span<float> y, Span<int> indices)
    {
        int w = g.Width, h = g.Height, ow = g.OutWidth;
        bool withIndices = !indices.IsEmpty;
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
        var odds = evens + Vector512<int>.One;
        var padding = Vector512.Create(float.NegativeInfinity);
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int y0 = Math.Max(0, 2 * oy - 1), y1 = Math.Min(h, 2 * oy + 2);
            for (int ox0 = 0; ox0 < ow; ox0 += 16)
            {
                int count = Math.Min(16, ow - ox0), at = oy * ow + ox0;
                long first = planeStart + (long)y0 * w + 2 * ox0 - 1, last = planeStart + (long)(y1 - 1) * w + 2 * ox0 + 33;
                if (first < 0 || last > inputEnd)
                {
                    var plane = new ReadOnlySpan<float>(input + planeStart, h * w);
                    for (int ox = ox0; ox < ox0 + count; ox++) Window(plane, g, oy, ox, y, indices);
                    continue;
                }
                var columns = Vector512<int>.Indices * 2 + Vector512.Create(2 * ox0);
                // Lane j's taps: column 2j − 1 (none for j = 0), 2j, and 2j + 1 (none past the plane's right edge).
                var left = Vector512.GreaterThan(columns, Vector512<int>.Zero).AsSingle();
                var right = Vector512.LessThan(columns + Vector512<int>.One, Vector512.Create(w)).AsSingle();
                var max = padding;
                var index = Vector512.Create(y0 * w) + Vector512.Max(columns - Vector512<int>.One, Vector512<int>.Zero);
                for (int iy = y0; iy < y1; iy++)
                {
                    float* row = input + planeStart + (long)iy * w + 2 * ox0;
                    var (before, even) = Deinterleave(Vector512.Load(row - 1), Vector512.Load(row + 15), evens, odds);
                    var (after, _) = Deinterleave(Vector512.Load(row + 1), Vector512.Load(row + 17), evens, odds);
                    var at0 = columns + Vector512.Create(iy * w);
                    (max, index) = Take(max, index, Vector512.ConditionalSelect(left, before, padding), at0 - Vector512<int>.One);
                    (max, index) = Take(max, index, even, at0);
                    (max, index) = Take(max, index, Vector512.ConditionalSelect(right, after, padding), at0 + Vector512<int>.One);
                }
                Store(max, index, count, y, indices, at, withIndices);
            }
        }
    }

    /// <summary>
    /// One window of any geometry, clamped to the plane once: its first tap inside the plane, then the rest in
    /// row-major order, each replacing the maximum when greater or NaN.
    /// </summary>
    private static void Window(ReadOnlySpan<float> x, in Pool2dGeometry g, int oy, int ox, Span<float> y, Span<int> indices)
    {
        int y0 = oy * g.Stride - g.Padding, y1 = Math.Min(y0 + g.Kernel, g.Height), x0 = ox * g.Stride - g.Padding, x1 = Math.Min(x0 + g.Kernel, g.Width);
        (y0, x0) = (Math.Max(y0, 0), Math.Max(x0, 0));
        int index = y0 * g.Width + x0;
        float max = x[index];
        for (int iy = y0; iy < y1; iy++)
            for (int ix = iy == y0 ? x0 + 1 : x0; ix < x1; ix++)
            {
                float v = x[iy * g.Width + ix];
                if (v > max || float.IsNaN(v)) { max = v; index = iy * g.Width + ix; }
            }
        y[oy * g.OutWidth + ox] = max;
        if (!indices.IsEmpty) indices[oy * g.OutWidth + ox] = index;
    }

    /// <summary>Writes the first <paramref name="count"/> lanes of a row's outputs (and indices) at <paramref name="at"/>.</summary>
    private static unsafe void Store(Vector512<float> max, Vector512<int> index, int count, Span<float> y, Span<int> indices, int at, bool withIndices)
    {
        if (count == 16)
        {
            max.CopyTo(y.Slice(at, 16));
            if (withIndices) index.CopyTo(indices.Slice(at, 16));
            return;
        }
        // A short row: a masked store writes only the row's lanes (the rest may be another thread's plane).
        var lanes = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count));
        fixed (float* yp = y) Avx512F.MaskStore(yp + at, lanes.AsSingle(), max);
        if (withIndices) fixed (int* ip = indices) Avx512F.MaskStore(ip + at, lanes, index);
    }

    /// <summary>32 consecutive values → (even columns, odd columns), 16 each.</summary>
    private static (Vector512<float> Even, Vector512<float> Odd) Deinterleave(Vector512<float> low, Vector512<float> high, Vector512<int> evens, Vector512<int> odds) =>
        (Vector512.Create(Vector512.Shuffle(low, evens).GetLower(), Vector512.Shuffle(high, evens).GetLower()),
         Vector512.Create(Vector512.Shuffle(low, odds).GetLower(), Vector512.Shuffle(high, odds).GetLower()));

    /// <summary>The scalar rule per lane: the candidate replaces the running max when greater or NaN.</summary>
    private static (Vector512<float>, Vector512<int>) Take(Vector512<float> max, Vector512<int> index, Vector512<float> candidate, Vector512<int> candidateIndex)
    {
        var replace = Vector512.GreaterThan(candidate, max) | ~Vector512.Equals(candidate, candidate);
        return (Vector512.ConditionalSelect(replace, candidate, max), Vector512.ConditionalSelect(replace.AsInt32(), candidateIndex, index));
    }

    private static void Check(int inputLength, int wantInput, int outputLength, int indicesLength, int wantOutput, string op)
    {
        if (inputLength != wantInput || outputLength != wantOutput || indicesLength != wantOutput)
            throw new ArgumentException($"MaxPool2dKernel.{op}: expected input {wantInput} and output/indices {wantOutput} values, got {inputLength}, {outputLength}, {indicesLength}.");
    }
}
