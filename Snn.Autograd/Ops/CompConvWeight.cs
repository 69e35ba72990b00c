// LitE-SNN's CompConv weight: one shared weight, several quantized views mixed by softmax, then a shared pruning mask.
namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// w_eff = mask(scores) · Σᵢ softmax(beta)ᵢ · Q_gauss(w, bitsᵢ). beta [len(bits)] are the architecture weights
    /// of the mixed-precision branches; all branches share <paramref name="w"/>. Composed: no backward of its own.
    /// </summary>
    public static Variable CompConvWeight(Variable w, Variable scores, Variable beta, int[] bits, float keepRatio)
    {
        if (beta.Data.Rank != 1 || beta.Data.Length != bits.Length)
            throw new ArgumentException($"CompConvWeight: beta {Tensor.ShapeText(beta.Data.Shape)} must have one entry per bit-width ({bits.Length}).");
        var probabilities = Softmax(beta);
        Variable? mixed = null;
        for (int i = 0; i < bits.Length; i++)
        {
            var branch = Multiply(Slice(probabilities, i, 1), QuantizeGaussian(w, bits[i]));
            mixed = mixed is null ? branch : Add(mixed, branch);
        }
        return ScoreMask(mixed!, scores, keepRatio);
    }
}
