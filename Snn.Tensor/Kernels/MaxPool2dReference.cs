// The plain max pooling that the fast kernel is tested against.
namespace Snn.Kernels;

/// <summary>
/// Max pooling over input [N, C, H, W] → output [N, C, OH, OW] and, per output, the flat index iy·W + ix of the chosen
/// input within its plane. Padding counts as −∞, so it is never chosen. Ties keep the first in row-major window
/// order; a NaN always replaces the current choice (PyTorch's CPU rule <c>val &gt; max || isnan(val)</c>).
/// </summary>
public static class MaxPool2dReference
{
    public static void Forward(ReadOnlySpan<float> input, in Pool2dGeometry g, Span<float> output, Span<int> indices)
    {
        var (h, w, oh, ow) = (g.Height, g.Width, g.OutHeight, g.OutWidth);
        for (int p = 0; p < g.Planes; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    float max = float.NegativeInfinity;
                    int index = -1;
                    for (int ky = 0; ky < g.Kernel; ky++)
                        for (int kx = 0; kx < g.Kernel; kx++)
                        {
                            int iy = oy * g.Stride - g.Padding + ky, ix = ox * g.Stride - g.Padding + kx;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            float v = input[p * h * w + iy * w + ix];
                            if (index < 0 || v > max || float.IsNaN(v)) { max = v; index = iy * w + ix; }
                        }
                    output[(p * oh + oy) * ow + ox] = max;
                    indices[(p * oh + oy) * ow + ox] = index;
                }
    }

    /// <summary>gradInput = 0, then each output's gradient is added at its argmax (overlapping windows accumulate).</summary>
    public static void Backward(ReadOnlySpan<float> gradOutput, ReadOnlySpan<int> indices, in Pool2dGeometry g, Span<float> gradInput)
    {
        gradInput.Clear();
        int planeIn = g.Height * g.Width, planeOut = g.OutHeight * g.OutWidth;
        for (int p = 0; p < g.Planes; p++)
            for (int o = 0; o < planeOut; o++)
                gradInput[p * planeIn + indices[p * planeOut + o]] += gradOutput[p * planeOut + o];
    }
}
