// The Spike-driven Transformer's self-attention core (SDSA): masks and a column sum, no matrix product.
namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// SDSA (Yao et al., Spike-driven Transformer, NeurIPS 2023): y = Q ⊙ SN(Σ_tokens K ⊙ V), per head.
    /// q, k, v [T, ..., tokens, headDim] (time-major, tokens second to last); K ⊙ V [.., L, d] is summed over the
    /// L tokens to [.., 1, d] and turned into spikes by <paramref name="fire"/> (the paper's LIF with v_th 0.5,
    /// passed in so a layer can carry its membrane across calls), which then gate every token of Q. No scale:
    /// the threshold plays its role. Composed from Multiply, Sum and the neuron: no backward of its own.
    /// </summary>
    public static Variable SpikeDrivenSelfAttention(Variable q, Variable k, Variable v, Func<Variable, Variable> fire)
    {
        if (!q.Data.SameShape(k.Data) || !q.Data.SameShape(v.Data) || q.Data.Rank < 3)
            throw new ArgumentException($"SpikeDrivenSelfAttention: q {Tensor.ShapeText(q.Data.Shape)}, k {Tensor.ShapeText(k.Data.Shape)}, v {Tensor.ShapeText(v.Data.Shape)} must match and be [T, ..., tokens, headDim].");
        var keyValue = Sum(Multiply(k, v), [-2], keepDims: true);
        return Multiply(q, fire(keyValue));
    }
}
