// The sizes and layout of one batched GEMM, passed by value to both GEMM kernels.
using ILGPU;
using Snn.Backends;

namespace Snn.Gpu.Kernels;

/// <summary>
/// c[B, M, N] = op(a)[B, M, K] · op(b)[B, K, N] + beta·c, row-major, op = transpose when the flag is 1. A batch stride
/// of 0 broadcasts a rank-2 operand over the batch. Flags are ints because ILGPU kernel parameters must be blittable.
/// </summary>
internal readonly struct GemmArguments
{
    public readonly int M, N, K, ABatchStride, BBatchStride, TransposeA, TransposeB;
    public readonly float Beta;

    public GemmArguments(in MatMulGeometry g, bool transposeA, bool transposeB, float beta)
    {
        (M, N, K, ABatchStride, BBatchStride) = (g.M, g.N, g.K, g.ABatchStride, g.BBatchStride);
        (TransposeA, TransposeB, Beta) = (transposeA ? 1 : 0, transposeB ? 1 : 0, beta);
    }

    /// <summary>op(a)[batch, row, p]; a transposed a is stored [K, M], so its row stride is M.</summary>
    public float A(ArrayView<float> a, int batch, int row, int p) =>
        a[batch * ABatchStride + (TransposeA != 0 ? p * M + row : row * K + p)];

    /// <summary>op(b)[batch, p, col]; a transposed b is stored [N, K].</summary>
    public float B(ArrayView<float> b, int batch, int p, int col) =>
        b[batch * BBatchStride + (TransposeB != 0 ? col * K + p : p * N + col)];

    /// <summary>The finished value of c[batch, row, col]: like the CPU GEMM, beta = 0 ignores c (even NaN).</summary>
    public float Store(float sum, float prior) => Beta == 0f ? sum : sum + Beta * prior;
}
