// Softmax, log-softmax, argmax and top-k over the last dim.
using Snn.Kernels;

namespace Snn;

public static partial class Ops
{
    /// <summary>e^(xᵢ − max) / Σⱼ e^(xⱼ − max) over the last dim.</summary>
    public static Tensor Softmax(Tensor x) => LastDim("Softmax", x, (src, cols, dst) => SoftmaxKernel.Forward(src, cols, dst));

    /// <summary>xᵢ − max − log Σⱼ e^(xⱼ − max) over the last dim.</summary>
    public static Tensor LogSoftmax(Tensor x) => LastDim("LogSoftmax", x, (src, cols, dst) => SoftmaxKernel.LogForward(src, cols, dst));

    /// <summary>Index of the largest value in each row of the last dim: x [..., K] → one int per row.</summary>
    public static int[] ArgMax(Tensor x)
    {
        RequireNonEmpty("ArgMax", x);
        int columns = x.Shape[^1];
        var indices = new int[x.Length / columns];
        TopKKernel.ArgMax(x.Contiguous().Span, columns, indices);
        return indices;
    }

    /// <summary>The <paramref name="k"/> largest values of each row (descending) and their column indices.</summary>
    public static (Tensor values, int[] indices) TopK(Tensor x, int k)
    {
        RequireNonEmpty("TopK", x);
        int columns = x.Shape[^1];
        if (k < 1 || k > columns) throw new ArgumentOutOfRangeException(nameof(k), $"TopK: k = {k} for rows of {columns} in {Tensor.ShapeText(x.Shape)}.");
        var values = Tensor.Zeros([.. x.ShapeArray()[..^1], k]);
        var indices = new int[values.Length];
        TopKKernel.TopK(x.Contiguous().Span, columns, k, values.Span, indices);
        return (values, indices);
    }

    private static Tensor LastDim(string op, Tensor x, SpanAction kernel)
    {
        RequireNonEmpty(op, x);
        var y = Tensor.ZerosLike(x);
        kernel(x.Contiguous().Span, x.Shape[^1], y.Span);
        return y;
    }

    private delegate void SpanAction(ReadOnlySpan<float> source, int columns, Span<float> destination);
}
