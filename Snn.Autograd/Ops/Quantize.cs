// Weight quantizers with straight-through gradients: symmetric uniform, and LitE-SNN's Gaussian-step quantizer.
namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// Per-tensor symmetric quantizer. bits = 1: mean|w|·sign(w) (binary weights with one scale); bits ≥ 2:
    /// s = max|w| / (2^(b−1) − 1), q = clamp(round(w/s), ±(2^(b−1) − 1))·s with round half to even.
    /// Backward is straight-through (∂q/∂w taken as 1).
    /// </summary>
    public static Variable QuantizeSymmetric(Variable w, int bits)
    {
        if (bits < 1 || bits > 16) throw new ArgumentException($"QuantizeSymmetric: bits must be in [1, 16], got {bits}.");
        var src = w.Data.Contiguous().Span;
        var q = Tensor.ZerosLike(w.Data);
        var dst = q.Span;
        if (bits == 1)
        {
            float meanAbs = (float)(src.ToArray().Sum(v => (double)MathF.Abs(v)) / Math.Max(src.Length, 1));
            for (int i = 0; i < src.Length; i++) dst[i] = meanAbs * MathF.Sign(src[i]);
        }
        else
        {
            float levels = (1 << (bits - 1)) - 1;
            float maxAbs = 0f;
            foreach (float v in src) maxAbs = MathF.Max(maxAbs, MathF.Abs(v));
            float scale = maxAbs / levels;
            for (int i = 0; i < src.Length; i++)
                dst[i] = scale == 0 ? 0f : Math.Clamp(MathF.Round(src[i] / scale, MidpointRounding.ToEven), -levels, levels) * scale;
        }
        return StraightThrough(w, q);
    }

    /// <summary>Step constants c_b of the EdMIPS/LitE-SNN Gaussian quantizer: optimal uniform steps for a unit Gaussian.</summary>
    public static float GaussianStepConstant(int bits) => bits switch
    {
        1 => 1.596f,
        2 => 0.996f,
        4 => 0.336f,
        _ => throw new ArgumentException($"QuantizeGaussian: no step constant for {bits} bits (supported: 1, 2, 4)."),
    };

    /// <summary>
    /// LitE-SNN (after EdMIPS) weight quantizer: step = c_b·std(w) (unbiased std, treated as a constant),
    /// q = clamp((round(w/step + ½) − ½)·step, ±(2^(b−1) − ½)·step), round half to even. The levels sit at odd
    /// multiples of step/2, so even 1 bit gives two symmetric values ±step/2. Straight-through backward.
    /// </summary>
    public static Variable QuantizeGaussian(Variable w, int bits)
    {
        float c = GaussianStepConstant(bits);
        var src = w.Data.Contiguous().Span;
        if (src.Length < 2) throw new ArgumentException($"QuantizeGaussian: needs at least 2 weights for a std, got {Tensor.ShapeText(w.Data.Shape)}.");
        double mean = 0;
        foreach (float v in src) mean += v;
        mean /= src.Length;
        double ss = 0;
        foreach (float v in src) ss += (v - mean) * (v - mean);
        float step = (float)(c * Math.Sqrt(ss / (src.Length - 1)));
        float bound = ((1 << (bits - 1)) - 0.5f) * step;
        var q = Tensor.ZerosLike(w.Data);
        var dst = q.Span;
        for (int i = 0; i < src.Length; i++)
            dst[i] = step == 0 ? 0f : Math.Clamp((MathF.Round(src[i] / step + 0.5f, MidpointRounding.ToEven) - 0.5f) * step, -bound, bound);
        return StraightThrough(w, q);
    }

    /// <summary>Forward value <paramref name="forward"/>, gradient passed to <paramref name="x"/> unchanged.</summary>
    private static Variable StraightThrough(Variable x, Tensor forward) =>
        Variable.FromOp(forward, [x], gy => x.AccumulateGrad(gy, owned: false));
}
