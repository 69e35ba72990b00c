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
    /// (split heads, <see cref="SpikingSelfAttention"/>, merge heads). Kernels read the tokens in place and write the
    /// merged layout (no split, transpose or merge copies): without a graph <see cref="SpikingSelfAttentionKernel"/>,
    /// with one <see cref="SpikingSelfAttentionTrainKernel"/>, whose values and gradients are bit-identical to the
    /// composed path's.
    /// </summary>
    public static Variable SpikingSelfAttentionTokens(Variable q, Variable k, Variable v, int heads, float scale)
    {
        var s = q.Data.ShapeArray();
        if (s.Length != 4 || s[3] % heads != 0 || !q.Data.SameShape(k.Data) || !q.Data.SameShape(v.Data))
            throw new ArgumentException($"SpikingSelfAttentionTokens: q {Tensor.ShapeText(q.Data.Shape)}, k, v must be equal [T, N, L, D] with D divisible by {heads} heads.");
        var (qs, ks, vs) = (q.Data.Contiguous(), k.Data.Contiguous(), v.Data.Contiguous());
        int batch = s[0] * s[1], tokens = s[2], dim = s[3];
        var y = Tensor.Uninitialized(s);
        if (!GradMode.Enabled || !(q.RequiresGrad || k.RequiresGrad || v.RequiresGrad))
        {
            SpikingSelfAttentionKernel.Forward(qs.Span, ks.Span, vs.Span, batch, tokens, dim, heads, scale, y.Span, s[0]);
            return Variable.Constant(y);
        }
        var scores = Tensor.Uninitialized([batch, heads, tokens, tokens]);
        SpikingSelfAttentionTrainKernel.Forward(qs.Span, ks.Span, vs.Span, batch, tokens, dim, heads, scale, scores.Span, y.Span);
        return Variable.FromOp(y, [q, k, v], gy =>
        {
            var (gq, gk, gv) = (Tensor.Uninitialized(s), Tensor.Uninitialized(s), Tensor.Uninitialized(s));
            SpikingSelfAttentionTrainKernel.Backward(gy.Contiguous().Span, qs.Span, ks.Span, vs.Span, scores.Span, batch, tokens, dim, heads, scale,
                gq.Span, gk.Span, gv.Span);
            q.AccumulateGrad(gq);
            k.AccumulateGrad(gk);
            v.AccumulateGrad(gv);
        });
    }
}
