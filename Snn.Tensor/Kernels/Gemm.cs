// Single-precision matrix multiply used by matmul, linear and convolution (placeholder until the packed kernel lands).
namespace Snn.Kernels;

/// <summary>C = op(A)·op(B) + beta·C, row-major; same contract as <see cref="GemmReference"/>.</summary>
public static class Gemm
{
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        GemmReference.Multiply(transposeA, transposeB, m, n, k, a, lda, b, ldb, beta, c, ldc);
}
