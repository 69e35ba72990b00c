// Writes one full-width row of a GEMM register tile back to C, applying beta.
using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;

namespace Snn.Kernels;

/// <summary>c[0..32] = tile[0..32] + beta·c[0..32], or a plain copy when beta = 0 (C may hold NaN then).</summary>
internal static unsafe class GemmStore
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row32(float* tile, float beta, float* c)
    {
        for (int j = 0; j < GemmMicroKernel.NR; j += 8)
        {
            var t = Vector256.Load(tile + j);
            // Multiply then add (not FMA) to match the scalar edge path, so tile position never changes a bit.
            if (beta == 0) t.Store(c + j);
            else (t + Vector256.Create(beta) * Vector256.Load(c + j)).Store(c + j);
        }
    }
}
