// Max and average pooling over [..., C, H, W].
using System.Runtime.InteropServices;
using Snn.Kernels;

namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// Max over kernel×kernel windows (padding counts as −∞); leading dims merge into the batch.
    /// Saves the argmax index of every window; backward routes each gradient to that one input. Without a graph
    /// (no grad mode, or x needs none) only the values are computed.
    /// </summary>
    public static Variable MaxPool2d(Variable x, int kernel, int stride, int padding = 0)
    {
        var (g, lead) = PoolGeometry("MaxPool2d", x.Data, kernel, stride, padding);
        var input = x.Data.Contiguous();
        var y = Tensor.Uninitialized([.. lead, g.Channels, g.OutHeight, g.OutWidth]);
        if (!GradMode.Enabled || !x.RequiresGrad)
        {
            // Nothing will call backward: no argmax indices to keep.
            MaxPool2dKernel.ForwardValues(input.Span, g, y.Span);
            return Variable.Constant(y);
        }
        // The argmax indices live in step storage (a float tensor read as ints): a fresh int[] of this size costs a
        // page fault per 4 KB on first touch, which was most of the pooling time in a training step.
        var indexStorage = Tensor.Uninitialized([g.OutputLength]);
        MaxPool2dKernel.Forward(input.Span, g, y.Span, AsIndices(indexStorage));
        return Variable.FromOp(y, [x], gy =>
        {
            // The kernel clears each plane before it scatters into it, on all threads.
            var gx = Tensor.Uninitialized(input.ShapeArray());
            MaxPool2dKernel.Backward(gy.Contiguous().Span, AsIndices(indexStorage), g, gx.Span);
            x.AccumulateGrad(gx);
        });
    }

    private static Span<int> AsIndices(Tensor storage) => MemoryMarshal.Cast<float, int>(storage.Span);

    /// <summary>
    /// Mean over non-overlapping kernel×kernel windows (stride = kernel, no padding); ∂x = ∂y/k² spread over the
    /// window. Composed from reshape and mean: [.., H, W] → [.., H/k, k, W/k, k] → mean over the two k dims.
    /// </summary>
    public static Variable AvgPool2d(Variable x, int kernel)
    {
        var s = x.Data.ShapeArray();
        if (s.Length < 3 || s[^2] % kernel != 0 || s[^1] % kernel != 0)
            throw new ArgumentException($"AvgPool2d: input {Tensor.ShapeText(s)} must be [..., H, W] with H and W divisible by {kernel}.");
        var split = Reshape(x, [.. s[..^2], s[^2] / kernel, kernel, s[^1] / kernel, kernel]);
        int r = split.Data.Rank;
        return Mean(split, [r - 3, r - 1]);
    }

    /// <summary>Mean over H and W: [..., C, H, W] → [..., C].</summary>
    public static Variable GlobalAvgPool2d(Variable x) => Mean(x, [-2, -1]);

    private static (Pool2dGeometry, int[]) PoolGeometry(string op, Tensor x, int kernel, int stride, int padding)
    {
        if (x.Rank < 3) throw new ArgumentException($"{op}: expected [..., C, H, W], got {Tensor.ShapeText(x.Shape)}.");
        var lead = x.ShapeArray()[..^3];
        var g = new Pool2dGeometry(Tensor.ElementCount(lead), x.Shape[^3], x.Shape[^2], x.Shape[^1], kernel, stride, padding);
        g.Validate();
        return (g, lead);
    }
}
