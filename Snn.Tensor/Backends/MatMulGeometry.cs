// Shape checking for batched matrix products, shared by every backend.
namespace Snn.Backends;

/// <summary>The sizes of c[B, M, N] = op(a)[B, M, K] · op(b)[B, K, N], validated once with a clear error.</summary>
public readonly record struct MatMulGeometry(int Batch, int M, int N, int K, int ABatchStride, int BBatchStride)
{
    public static MatMulGeometry Of(Tensor a, bool transposeA, Tensor b, bool transposeB, Tensor c)
    {
        if (a.Rank is < 2 or > 3 || b.Rank is < 2 or > 3 || c.Rank is < 2 or > 3)
            throw new ArgumentException($"MatMul: expects rank 2 or 3, got {Tensor.ShapeText(a.Shape)} · {Tensor.ShapeText(b.Shape)} → {Tensor.ShapeText(c.Shape)}.");
        int batch = c.Rank == 3 ? c.Shape[0] : 1;
        int m = a.Shape[transposeA ? a.Rank - 1 : a.Rank - 2];
        int ka = a.Shape[transposeA ? a.Rank - 2 : a.Rank - 1];
        int kb = b.Shape[transposeB ? b.Rank - 1 : b.Rank - 2];
        int n = b.Shape[transposeB ? b.Rank - 2 : b.Rank - 1];
        bool batchOk = (a.Rank == 2 || a.Shape[0] == batch) && (b.Rank == 2 || b.Shape[0] == batch);
        if (ka != kb || c.Shape[c.Rank - 2] != m || c.Shape[c.Rank - 1] != n || !batchOk)
            throw new ArgumentException($"MatMul: shapes do not chain: {Tensor.ShapeText(a.Shape)}{(transposeA ? "ᵀ" : "")} · {Tensor.ShapeText(b.Shape)}{(transposeB ? "ᵀ" : "")} → {Tensor.ShapeText(c.Shape)}.");
        return new MatMulGeometry(batch, m, n, ka, a.Rank == 3 ? m * ka : 0, b.Rank == 3 ? ka * n : 0);
    }
}
