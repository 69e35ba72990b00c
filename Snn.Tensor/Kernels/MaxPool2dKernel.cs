// Max pooling over [N, C, H, W] with argmax indices: planes in parallel, a direct path for 2×2 stride 2.
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
            Parallelism.For(g.Planes, Math.Max(1, 16384 / Math.Max(1, planeIn)), (p0, p1) =>
            {
                for (int p = p0; p < p1; p++)
                {
                    var xs = new ReadOnlySpan<float>(x + (long)p * planeIn, planeIn);
                    var ys = new Span<float>(y + (long)p * planeOut, planeOut);
                    var ids = new Span<int>(ind + (long)p * planeOut, planeOut);
                    if (g is { Kernel: 2, Stride: 2, Padding: 0 }) Plane2x2(xs, g, ys, ids);
                    else PlaneGeneral(xs, g, ys, ids);
                }
            });
        }
    }

    /// <summary>
    /// Values only, for inference (no argmax to save): per output row, the max over the window's input rows first
    /// (whole rows, vectorised), then over each window's columns. NaN wins, as in <see cref="Forward"/>; the values
    /// equal Forward's except that a window holding both −0 and +0 may give the other zero.
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
            Parallelism.For(g.Planes, Math.Max(1, 16384 / Math.Max(1, planeIn)), (p0, p1) =>
            {
                var rowMax = new float[g.Width];
                for (int p = p0; p < p1; p++)
                    PlaneValues(new ReadOnlySpan<float>(x + (long)p * planeIn, planeIn), g, rowMax, new Span<float>(y + (long)p * planeOut, planeOut));
            });
        }
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
        {
            int y0 = oy * g.Stride - g.Padding, y1 = Math.Min(y0 + g.Kernel, g.Height);
            y0 = Math.Max(y0, 0);
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int x0 = ox * g.Stride - g.Padding, x1 = Math.Min(x0 + g.Kernel, g.Width);
                x0 = Math.Max(x0, 0);
                int index = y0 * g.Width + x0;
                float max = x[index];
                for (int iy = y0; iy < y1; iy++)
                    for (int ix = iy == y0 ? x0 + 1 : x0; ix < x1; ix++)
                    {
                        float v = x[iy * g.Width + ix];
                        if (v > max || float.IsNaN(v)) { max = v; index = iy * g.Width + ix; }
                    }
                y[oy * g.OutWidth + ox] = max;
                indices[oy * g.OutWidth + ox] = index;
            }
        }
    }

    /// <summary>2×2 stride 2, no padding: every window is inside the plane, so the four taps are read directly.</summary>
    private static void Plane2x2(ReadOnlySpan<float> x, in Pool2dGeometry g, Span<float> y, Span<int> indices)
    {
        int w = g.Width, ow = g.OutWidth;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int top = 2 * oy * w;
            ReadOnlySpan<float> row0 = x.Slice(top, w), row1 = x.Slice(top + w, w);
            Span<float> yRow = y.Slice(oy * ow, ow);
            Span<int> iRow = indices.Slice(oy * ow, ow);
            for (int ox = 0; ox < yRow.Length; ox++)
            {
                int c = 2 * ox;
                float max = row0[c];
                int index = top + c;
                float v = row0[c + 1];
                if (v > max || float.IsNaN(v)) { max = v; index = top + c + 1; }
                v = row1[c];
                if (v > max || float.IsNaN(v)) { max = v; index = top + w + c; }
                v = row1[c + 1];
                if (v > max || float.IsNaN(v)) { max = v; index = top + w + c + 1; }
                yRow[ox] = max;
                iRow[ox] = index;
            }
        }
    }

    private static void Check(int inputLength, int wantInput, int outputLength, int indicesLength, int wantOutput, string op)
    {
        if (inputLength != wantInput || outputLength != wantOutput || indicesLength != wantOutput)
            throw new ArgumentException($"MaxPool2dKernel.{op}: expected input {wantInput} and output/indices {wantOutput} values, got {inputLength}, {outputLength}, {indicesLength}.");
    }
}
