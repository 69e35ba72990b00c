// Score-based pruning mask (HYDRA): keep the weights whose learned importance scores are largest.
namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// w_eff = w · mask, mask zeroes the ⌊(1 − keepRatio)·n⌋ entries with the smallest |score| (ties broken by index,
    /// a stable order). Backward: ∂w = mask·g; ∂scores = sign(scores)·w·g (straight-through through the top-k, so
    /// pruned weights can come back when their score grows).
    /// </summary>
    public static Variable ScoreMask(Variable w, Variable scores, float keepRatio)
    {
        if (!w.Data.SameShape(scores.Data))
            throw new ArgumentException($"ScoreMask: weight {Tensor.ShapeText(w.Data.Shape)} and scores {Tensor.ShapeText(scores.Data.Shape)} differ.");
        if (!(keepRatio >= 0 && keepRatio <= 1)) throw new ArgumentException($"ScoreMask: keepRatio must be in [0, 1], got {keepRatio}.");
        var mask = PruningMask(scores.Data, keepRatio);
        var y = Ops.Multiply(w.Data, mask);
        return Variable.FromOp(y, [w, scores], gy =>
        {
            if (w.RequiresGrad) w.AccumulateGrad(Ops.Multiply(gy, mask));
            if (scores.RequiresGrad)
            {
                var sign = Tensor.ZerosLike(scores.Data);
                var ss = scores.Data.Contiguous().Span;
                for (int i = 0; i < ss.Length; i++) sign.Span[i] = MathF.Sign(ss[i]);
                scores.AccumulateGrad(Ops.Multiply(Ops.Multiply(sign, w.Data), gy));
            }
        });
    }

    /// <summary>The 0/1 mask that keeps the largest-|score| fraction <paramref name="keepRatio"/>.</summary>
    public static Tensor PruningMask(Tensor scores, float keepRatio)
    {
        var s = scores.Contiguous().Span;
        int pruned = (int)Math.Floor((1 - (double)keepRatio) * s.Length);
        var order = new int[s.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var magnitude = new float[s.Length];
        for (int i = 0; i < s.Length; i++) magnitude[i] = MathF.Abs(s[i]);
        // Array.Sort is unstable; sorting (magnitude, index) pairs gives the stable order the definition asks for.
        Array.Sort(order, (i, j) => magnitude[i] != magnitude[j] ? magnitude[i].CompareTo(magnitude[j]) : i.CompareTo(j));
        var mask = Tensor.Ones(scores.ShapeArray());
        for (int r = 0; r < pruned; r++) mask.Span[order[r]] = 0f;
        return mask;
    }
}
