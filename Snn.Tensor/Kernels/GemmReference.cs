// The plain triple-loop matrix product that the fast GEMM is tested against.
namespace Snn.Kernels;

/// <summary>
/// C = op(A)·op(B) + beta·C for row-major matrices, op = transpose when asked. op(A) is [m, k], op(B) is [k, n],
/// C is [m, n]; lda, ldb, ldc are row strides in elements. Accumulates in double so it is a trustworthy oracle.
/// </summary>
public static class GemmReference
{
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transposeA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transposeB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += (double)av * bv;
                }
                float prior = beta == 0 ? 0 : beta * c[i * ldc + j];
                c[i * ldc + j] = (float)(sum + prior);
            }
    }
}
