// Broadcasting add, subtract, multiply, divide and scaling, with their gradients.
namespace Snn.Autograd;

/// <summary>
/// Differentiable functions. Each op computes its output and, right below, its backward: given ∂L/∂y it adds
/// ∂L/∂input into every input. Broadcast inputs get their gradient summed back to their own shape.
/// </summary>
public static partial class F
{
    public static Variable Add(Variable a, Variable b) =>
        Variable.FromOp(Ops.Add(a.Data, b.Data), [a, b], gy =>
        {
            a.AccumulateGrad(Ops.SumTo(gy, a.Data.Shape), owned: false);
            b.AccumulateGrad(Ops.SumTo(gy, b.Data.Shape), owned: false);
        });

    public static Variable Subtract(Variable a, Variable b) =>
        Variable.FromOp(Ops.Subtract(a.Data, b.Data), [a, b], gy =>
        {
            a.AccumulateGrad(Ops.SumTo(gy, a.Data.Shape), owned: false);
            if (b.RequiresGrad) b.AccumulateGrad(Ops.SumTo(Ops.Negate(gy), b.Data.Shape));
        });

    public static Variable Multiply(Variable a, Variable b) =>
        Variable.FromOp(Ops.Multiply(a.Data, b.Data), [a, b], gy =>
        {
            if (a.RequiresGrad) a.AccumulateGrad(Ops.SumTo(Ops.Multiply(gy, b.Data), a.Data.Shape));
            if (b.RequiresGrad) b.AccumulateGrad(Ops.SumTo(Ops.Multiply(gy, a.Data), b.Data.Shape));
        });

    /// <summary>a / b; ∂/∂a = 1/b, ∂/∂b = −a/b².</summary>
    public static Variable Divide(Variable a, Variable b) =>
        Variable.FromOp(Ops.Divide(a.Data, b.Data), [a, b], gy =>
        {
            if (a.RequiresGrad) a.AccumulateGrad(Ops.SumTo(Ops.Divide(gy, b.Data), a.Data.Shape));
            if (b.RequiresGrad)
            {
                var gb = Ops.Negate(Ops.Divide(Ops.Multiply(gy, a.Data), Ops.Multiply(b.Data, b.Data)));
                b.AccumulateGrad(Ops.SumTo(gb, b.Data.Shape));
            }
        });

    /// <summary>x·scale + shift with constants scale and shift.</summary>
    public static Variable Affine(Variable x, float scale, float shift = 0f) =>
        Variable.FromOp(Ops.Affine(x.Data, scale, shift), [x], gy => x.AccumulateGrad(Ops.Affine(gy, scale)));

    public static Variable Scale(Variable x, float scale) => Affine(x, scale);

    public static Variable Negate(Variable x) => Affine(x, -1f);
}
