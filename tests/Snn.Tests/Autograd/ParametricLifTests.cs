// PLIF's learned time constant gets the gradient an unrolled, step-by-step autograd graph gives.
using Snn.Autograd;
using Snn.Kernels;
using Snn.Layers.Neurons;

namespace Snn.Tests.Autograd;

public class ParametricLifTests
{
    /// <summary>Heaviside forward, surrogate backward: the one non-smooth piece, as its own tiny op.</summary>
    private static Variable Spike(Variable u, Surrogate surrogate)
    {
        var s = Tensor.ZerosLike(u.Data);
        for (int i = 0; i < s.Length; i++) s.Span[i] = u.Data.Span[i] >= 0 ? 1f : 0f;
        return Variable.FromOp(s, [u], g =>
        {
            var gu = Tensor.ZerosLike(u.Data);
            for (int i = 0; i < gu.Length; i++) gu.Span[i] = g.Span[i] * surrogate.Gradient(u.Data.Span[i]);
            u.AccumulateGrad(gu);
        });
    }

    [Fact]
    public void Plif_GradientsOfInputAndTau_EqualUnrolledGraph()
    {
        const int T = 5, n = 12;
        var x = new Rng(21).Uniform(-0.5f, 2.5f, T, n);
        var upstream = new Rng(22).Uniform(-1f, 1f, T, n);
        var surrogate = Surrogate.ATan();

        var plif = new ParametricLif(initTau: 2.5f, surrogate: surrogate);
        var xFused = Variable.Parameter(x.Clone());
        F.SumAll(F.Multiply(plif.Forward(xFused), Variable.Constant(upstream))).Backward();

        // Unrolled: k = sigmoid(w); h = v + (x_t − v)·k; s = H(h − 1); v = h·(1 − s) with s detached.
        var w = Variable.Parameter(plif.W.Data.Clone());
        var xUnrolled = Variable.Parameter(x.Clone());
        var k = F.Sigmoid(w);
        Variable v = Variable.Constant(Tensor.Zeros(n));
        var spikes = new List<Variable>();
        for (int t = 0; t < T; t++)
        {
            var xt = F.Reshape(F.Slice(xUnrolled, t, 1), n);
            var h = F.Add(v, F.Multiply(F.Subtract(xt, v), k));
            var s = Spike(F.Affine(h, 1f, -1f), surrogate);
            spikes.Add(s);
            v = F.Multiply(h, Variable.Constant(Ops.Affine(s.Data, -1f, 1f)));
        }
        F.SumAll(F.Multiply(F.Stack(0, [.. spikes]), Variable.Constant(upstream))).Backward();

        Assert.Equal(F.Stack(0, [.. spikes]).Data.ToArray(), plif.Forward(Variable.Constant(x)).Data.ToArray());
        var want = xUnrolled.Grad!.ToArray();
        var got = xFused.Grad!.ToArray();
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - got[i]) < 1e-5, $"∂x[{i}]: {got[i]} vs unrolled {want[i]}");
        Assert.True(Math.Abs(w.Grad!.Item() - plif.W.Grad!.Item()) < 1e-4 * (1 + Math.Abs(w.Grad!.Item())), $"∂w: {plif.W.Grad!.Item()} vs unrolled {w.Grad!.Item()}");
    }
}
