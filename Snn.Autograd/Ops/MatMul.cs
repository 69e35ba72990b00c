// Matrix products and the linear layer: y = x·wᵀ + b.
using Snn.Kernels;

namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// a·b over the last two dims, batched over leading dims. ∂/∂a = g·bᵀ, ∂/∂b = aᵀ·g
    /// (summed over the batch when an operand is shared, i.e. rank 2).
    /// </summary>
    public static Variable MatMul(Variable a, Variable b)
    {
        var y = Ops.MatMul(a.Data, b.Data);
        return Variable.FromOp(y, [a, b], gy =>
        {
            if (a.RequiresGrad) a.AccumulateGrad(Ops.SumTo(Ops.MatMul(gy, b.Data, transposeB: true), a.Data.Shape));
            if (b.RequiresGrad)
            {
                var gb = b.Data.Rank == 2 && a.Data.Rank > 2
                    ? Ops.MatMul(a.Data.Reshape(-1, a.Data.Shape[^1]), gy.Reshape(-1, gy.Shape[^1]), transposeA: true)
                    : Ops.MatMul(a.Data, gy, transposeA: true);
                b.AccumulateGrad(Ops.SumTo(gb, b.Data.Shape));
            }
        });
    }

    /// <summary>
    /// y = x·wᵀ + b. x [..., I], w [O, I], b [O]. ∂x = g·w, ∂w = gᵀ·x (over all leading dims), ∂b = Σ g.
    /// Mostly-zero inputs (spikes) skip their zeros in the forward product (<see cref="SparseRowsGemm"/>, same bits),
    /// in training too (Spikformer's linear layers read spikes), and in ∂w (the same sums in another order) up to
    /// <see cref="Gemm.KC"/> input features.
    /// </summary>
    public static Variable Linear(Variable x, Variable weight, Variable? bias = null)
    {
        int inFeatures = weight.Data.Shape[1], outFeatures = weight.Data.Shape[0];
        if (x.Data.Rank < 1 || x.Data.Shape[^1] != inFeatures)
            throw new ArgumentException($"Linear: input {Tensor.ShapeText(x.Data.Shape)} does not end in {inFeatures} features (weight {Tensor.ShapeText(weight.Data.Shape)}).");
        var lead = x.Data.ShapeArray()[..^1];
        var x2 = x.Data.Reshape(-1, inFeatures);
        Tensor y2;
        // A time-major input's first dim is its steps: the sparse kernels split whole samples with all their steps.
        int steps = x.Data.Rank > 2 ? x.Data.Shape[0] : 1;
        bool sparse = SparseRowsGemm.Worthwhile(x2.Span, x2.Shape[0], outFeatures, inFeatures);
        if (sparse)
            y2 = SparseLinear(x2, weight.Data, bias?.Data, steps);
        else
        {
            y2 = Ops.MatMul(x2, weight.Data, transposeB: true);
            if (bias is not null) y2 = Ops.Add(y2, bias.Data);
        }
        var y = y2.Reshape([.. lead, outFeatures]);
        Variable[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Variable.FromOp(y, inputs, gy =>
        {
            var g2 = gy.Reshape(-1, outFeatures);
            if (x.RequiresGrad) x.AccumulateGrad(Ops.MatMul(g2, weight.Data).Reshape(x.Data.ShapeArray()));
            // Deeper than one GEMM block (csnn's classifier, [256, 3136] → 10) the GEMM is the faster: the sparse sum
            // there ran on one thread, 0.9 ms of a two-thread training step.
            if (weight.RequiresGrad)
                weight.AccumulateGrad(sparse && inFeatures <= Gemm.KC ? SparseWeightGradient(g2, x2, steps) : Ops.MatMul(g2, x2, transposeA: true));
            if (bias is not null && bias.RequiresGrad) bias.AccumulateGrad(Ops.Sum(g2, [0]));
        });
    }

    /// <summary>
    /// x2 [M, I]·wᵀ + bias on mostly-zero inputs (spikes, spike counts), skipping zeros: same bits as the GEMM and add.
    /// The rows are <paramref name="steps"/> (the input's first dim, time-major) of whole samples.
    /// </summary>
    private static Tensor SparseLinear(Tensor x2, Tensor weight, Tensor? bias, int steps)
    {
        int outFeatures = weight.Shape[0], inFeatures = weight.Shape[1];
        var y2 = Tensor.Uninitialized(x2.Shape[0], outFeatures);
        SparseRowsGemm.Multiply(x2.Span, Transposed(weight).Span, x2.Shape[0], outFeatures, inFeatures, y2.Span, bias is null ? default : bias.Contiguous().Span,
            steps);
        return y2;
    }

    /// <summary>∂w [O, I] = g2ᵀ [O, M] · x2 [M, I] skipping x2's zeros (<see cref="SparseRowsGemm.WeightGradient"/>); the
    /// rows are <paramref name="steps"/> of whole samples.</summary>
    private static Tensor SparseWeightGradient(Tensor g2, Tensor x2, int steps)
    {
        var gw = Tensor.Uninitialized(g2.Shape[1], x2.Shape[1]);
        SparseRowsGemm.WeightGradient(x2.Contiguous().Span, g2.Contiguous().Span, x2.Shape[0], g2.Shape[1], x2.Shape[1], gw.Span, steps);
        return gw;
    }

    /// <summary>wᵀ [I, O] of a weight [O, I]: the row-major w the sparse kernels read.</summary>
    private static Tensor Transposed(Tensor weight)
    {
        int outFeatures = weight.Shape[0], inFeatures = weight.Shape[1];
        var wT = Tensor.Uninitialized(inFeatures, outFeatures);
        unsafe
        {
            fixed (float* w = weight.Contiguous().Span, t = wT.Span) Snn.Kernels.Transpose.Matrix(w, outFeatures, inFeatures, t);
        }
        return wT;
    }
}
