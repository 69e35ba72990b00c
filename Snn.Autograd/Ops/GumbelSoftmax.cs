// Hard Gumbel-softmax: a one-hot sample forward, the soft sample's gradient backward.
namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// y = onehot(argmax(soft)) − stopgrad(soft) + soft, soft = softmax((logits + g)/tau) over the last dim.
    /// <paramref name="gumbel"/> holds the noise g = −log(−log U) (drawn by the caller, so tests can fix it).
    /// Forward is exactly one-hot; the gradient is the soft sample's (straight-through).
    /// </summary>
    public static Variable GumbelSoftmaxHard(Variable logits, Tensor gumbel, float tau)
    {
        if (!(tau > 0)) throw new ArgumentException($"GumbelSoftmaxHard: tau must be > 0, got {tau}.");
        var soft = Softmax(Affine(Add(logits, Variable.Constant(gumbel)), 1f / tau));
        var hard = OneHotArgMax(soft.Data);
        return Add(soft, Variable.Constant(Ops.Subtract(hard, soft.Data)));
    }

    /// <summary>Draws Gumbel(0, 1) noise of the given shape from <paramref name="rng"/>.</summary>
    public static Tensor GumbelNoise(Rng rng, params int[] shape)
    {
        var g = Tensor.Zeros(shape);
        var s = g.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)-Math.Log(-Math.Log(1.0 - rng.NextDouble() * (1 - 1e-12)));
        return g;
    }

    private static Tensor OneHotArgMax(Tensor x)
    {
        int k = x.Shape[^1];
        var y = Tensor.ZerosLike(x);
        var best = Ops.ArgMax(x);
        for (int row = 0; row < best.Length; row++) y.Span[row * k + best[row]] = 1f;
        return y;
    }
}
