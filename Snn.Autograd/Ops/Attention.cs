// Spikformer's spiking self-attention core: no softmax, because Q, K and V are spikes.
using Snn.Kernels;

namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// SSA core (Zhou et al., Spikformer 2023): attn = (Q·Kᵀ)·V · scale over the last two dims.
    /// q, k, v [..., tokens, headDim]. With 0/1 inputs the products are non-negative counts, so no softmax is needed;
    /// scale (0.125 in the paper) keeps the next neuron's input in range. Composed from matmul: no backward of its own.
    /// Without a graph the product is associated the cheaper way (see below).
    /// </summary>
    public static Variable SpikingSelfAttention(Variable q, Variable k, Variable v, float scale)
    {
        if (!q.Data.SameShape(k.Data) || !q.Data.SameShape(v.Data))
            throw new ArgumentException($"SpikingSelfAttention: q {Tensor.ShapeText(q.Data.Shape)}, k {Tensor.ShapeText(k.Data.Shape)}, v {Tensor.ShapeText(v.Data.Shape)} must match.");
        if (!GradMode.Enabled || !(q.RequiresGrad || k.RequiresGrad || v.RequiresGrad))
            // No graph: Q·(Kᵀ·V) costs 2·L·d² instead of 2·L²·d. Equal up to float rounding; exactly equal for 0/1
            // spikes, whose products are small integer counts.
            return Scale(MatMul(q, MatMul(Transpose(k, -2, -1), v)), scale);
        return Scale(MatMul(MatMul(q, Transpose(k, -2, -1)), v), scale);
    }

    /// <summary>
    /// SSA on tokens: q, k, v [T, N, L, D] with D = heads·d → the heads' attention merged back to [T, N, L, D]
    /// (split heads, <see cref="SpikingSelfAttention"/>, merge heads). Without a graph one kernel reads the tokens
    /// in place and writes the merged layout (no split, transpose or merge copies), bit-identical to the composed path.
    /// </summary>
    public static Variable SpikingSelfAttentionTokens(Variable q, Variable k, Variable v, int heads, float scale)
    {
        var s = q.Data.ShapeArray();
        if (s.Length != 4 || s[3] % heads != 0 || !q.Data.SameShape(k.Data) || !q.Data.SameShape(v.Data))
            throw new ArgumentException($"SpikingSelfAttentionTokens: q {Tensor.ShapeText(q.Data.Shape)}, k, v must be equal [T, N, L, D] with D divisible by {heads} heads.");
        if (GradMode.Enabled && (q.RequiresGrad || k.RequiresGrad || v.RequiresGrad))
        {
            Variable Split(Variable x) => Permute(Reshape(x, s[0], s[1], s[2], heads, s[3] / heads), 0, 1, 3, 2, 4);
            return Reshape(Permute(SpikingSelfAttention(Split(q), Split(k), Split(v), scale), 0, 1, 3, 2, 4), s);
        }
        var y = Tensor.Uninitialized(s);
        SpikingSelfAttentionKernel.Forward(q.Data.Contiguous().Span, k.Data.Contiguous().Span, v.Data.Contiguous().Span, s[0] * s[1], s[2], s[3], heads, scale, y.Span);
        return Variable.Constant(y);
    }
}
