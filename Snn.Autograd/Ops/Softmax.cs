// Softmax and log-softmax over the last dim, with their Jacobian-vector products.
using Snn.Kernels;

namespace Snn.Autograd;

public static partial class F
{
    /// <summary>y = softmax(x) over the last dim; ∂x = y ⊙ (∂y − Σ ∂y ⊙ y).</summary>
    public static Variable Softmax(Variable x)
    {
        var y = Ops.Softmax(x.Data);
        return Variable.FromOp(y, [x], gy =>
        {
            var gx = Tensor.ZerosLike(y);
            SoftmaxKernel.Backward(y.Span, gy.Contiguous().Span, y.Shape[^1], gx.Span);
            x.AccumulateGrad(gx);
        });
    }

    /// <summary>y = log softmax(x) over the last dim; ∂x = ∂y − softmax(x) · Σ ∂y.</summary>
    public static Variable LogSoftmax(Variable x)
    {
        var y = Ops.LogSoftmax(x.Data);
        return Variable.FromOp(y, [x], gy =>
        {
            var gx = Tensor.ZerosLike(y);
            SoftmaxKernel.LogBackward(y.Span, gy.Contiguous().Span, y.Shape[^1], gx.Span);
            x.AccumulateGrad(gx);
        });
    }
}
