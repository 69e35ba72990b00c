// Softmax and log-softmax over the last dim, composed from primitives (no backward of their own).
namespace Snn.Autograd;

public static partial class F
{
    /// <summary>softmax(x)ᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m) over the last dim; m = max (a constant) keeps exp finite.</summary>
    public static Variable Softmax(Variable x)
    {
        var shifted = Subtract(x, Variable.Constant(Ops.Max(x.Data, [-1], keepDims: true)));
        var e = Exp(shifted);
        return Divide(e, Sum(e, [-1], keepDims: true));
    }

    /// <summary>log softmax(x) = x − m − log Σ e^(x − m) over the last dim.</summary>
    public static Variable LogSoftmax(Variable x)
    {
        var shifted = Subtract(x, Variable.Constant(Ops.Max(x.Data, [-1], keepDims: true)));
        return Subtract(shifted, Log(Sum(Exp(shifted), [-1], keepDims: true)));
    }
}
