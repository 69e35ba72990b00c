// Central-difference gradient checking for differentiable ops.
using Snn.Autograd;

namespace Snn.Tests.Autograd;

/// <summary>
/// Compares autograd's gradients with (L(x + ε) − L(x − ε)) / 2ε for L = Σ f(inputs)·r with a fixed random r,
/// so every output element contributes with a distinct weight and a wrong term cannot cancel out.
/// float32 forward passes limit the precision, hence ε = 1e-2·scale and a 2% tolerance.
/// </summary>
internal static class GradCheck
{
    public static void Check(string op, Func<Variable[], Variable> f, params Tensor[] inputs) =>
        Check(op, f, 2e-2, inputs);

    public static void Check(string op, Func<Variable[], Variable> f, double tolerance, params Tensor[] inputs)
    {
        var vars = inputs.Select((t, i) => Variable.Parameter(t.Clone(), $"input{i}")).ToArray();
        var output = f(vars);
        var weights = new Rng(99).Uniform(-1f, 1f, output.Shape);
        F.SumAll(F.Multiply(output, Variable.Constant(weights))).Backward();

        for (int which = 0; which < inputs.Length; which++)
        {
            var analytic = vars[which].Grad?.ToArray() ?? new float[inputs[which].Length];
            var point = inputs[which].Clone();
            var span = point.Span;
            int stride = Math.Max(1, span.Length / 40);
            for (int i = 0; i < span.Length; i += stride)
            {
                float original = span[i];
                float eps = 1e-2f * Math.Max(1f, MathF.Abs(original));
                span[i] = original + eps;
                double plus = Loss(f, inputs, which, point, weights);
                span[i] = original - eps;
                double minus = Loss(f, inputs, which, point, weights);
                span[i] = original;
                double numeric = (plus - minus) / (2 * eps);
                double error = Math.Abs(numeric - analytic[i]);
                Assert.True(error <= tolerance * (1 + Math.Abs(numeric)),
                    $"{op}: d/d input{which}[{i}]: autograd {analytic[i]}, central difference {numeric}.");
            }
        }
    }

    private static double Loss(Func<Variable[], Variable> f, Tensor[] inputs, int which, Tensor point, Tensor weights)
    {
        using var _ = GradMode.NoGrad();
        var vars = inputs.Select((t, i) => Variable.Constant(i == which ? point : t)).ToArray();
        var y = f(vars).Data.ToArray();
        var w = weights.ToArray();
        double s = 0;
        for (int i = 0; i < y.Length; i++) s += (double)y[i] * w[i];
        return s;
    }
}
