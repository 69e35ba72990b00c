// Batched matrix product through the backend.
namespace Snn;

public static partial class Ops
{
    /// <summary>
    /// op(a)·op(b). a [M, K] or [B, M, K]; b [K, N] or [B, K, N] (transposed operands swap their last two dims).
    /// Higher-rank inputs are flattened to [B, ·, ·] over their leading dims.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        var (a3, lead) = AsBatched(a);
        var (b3, leadB) = AsBatched(b);
        int batch = Math.Max(a3.Rank == 3 ? a3.Shape[0] : 1, b3.Rank == 3 ? b3.Shape[0] : 1);
        int m = a3.Shape[transposeA ? a3.Rank - 1 : a3.Rank - 2];
        int n = b3.Shape[transposeB ? b3.Rank - 2 : b3.Rank - 1];
        bool batched = a3.Rank == 3 || b3.Rank == 3;
        var c = batched ? Tensor.Uninitialized(batch, m, n) : Tensor.Uninitialized(m, n);
        B.MatMul(a3.Contiguous(), transposeA, b3.Contiguous(), transposeB, 0f, c);
        var outLead = lead.Length >= leadB.Length ? lead : leadB;
        return outLead.Length > 1 ? c.Reshape([.. outLead, m, n]) : c;
    }

    private static (Tensor, int[]) AsBatched(Tensor t)
    {
        if (t.Rank < 2) throw new ArgumentException($"MatMul: operands need rank ≥ 2, got {Tensor.ShapeText(t.Shape)}.");
        if (t.Rank <= 3) return (t, t.Rank == 3 ? [t.Shape[0]] : []);
        var lead = t.ShapeArray()[..^2];
        return (t.Reshape(-1, t.Shape[^2], t.Shape[^1]), lead);
    }
}
