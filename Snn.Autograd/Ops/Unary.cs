// Smooth elementwise functions composed on the tensor ops, with their derivatives.
namespace Snn.Autograd;

public static partial class F
{
    /// <summary>eˣ; ∂/∂x = eˣ (reuses the output).</summary>
    public static Variable Exp(Variable x)
    {
        var y = Ops.Exp(x.Data);
        return Variable.FromOp(y, [x], gy => x.AccumulateGrad(Ops.Multiply(gy, y)));
    }

    /// <summary>ln x; ∂/∂x = 1/x.</summary>
    public static Variable Log(Variable x) =>
        Variable.FromOp(Ops.Log(x.Data), [x], gy => x.AccumulateGrad(Ops.Divide(gy, x.Data)));

    /// <summary>σ(x); ∂/∂x = σ(1 − σ).</summary>
    public static Variable Sigmoid(Variable x)
    {
        var y = Ops.Sigmoid(x.Data);
        return Variable.FromOp(y, [x], gy => x.AccumulateGrad(Ops.Multiply(gy, Ops.Multiply(y, Ops.Affine(y, -1f, 1f)))));
    }

    /// <summary>max(x, 0); ∂/∂x = [x &gt; 0].</summary>
    public static Variable Relu(Variable x)
    {
        var y = Ops.Relu(x.Data);
        return Variable.FromOp(y, [x], gy =>
        {
            var g = gy.Clone();
            var gs = g.Span;
            var ys = y.Span;
            for (int i = 0; i < gs.Length; i++) if (ys[i] <= 0) gs[i] = 0;
            x.AccumulateGrad(g);
        });
    }
}
