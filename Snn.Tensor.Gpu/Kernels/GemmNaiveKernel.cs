// The plain GEMM kernel: one thread per output element, reading A and B from global memory. The tiled kernel's oracle.
using ILGPU;

namespace Snn.Gpu.Kernels;

/// <summary>c = op(a)·op(b) + beta·c over [B, M, N] outputs, grid-stride; see <see cref="GemmArguments"/>.</summary>
internal static class GemmNaiveKernel
{
    public static void Kernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int batches, GemmArguments g)
    {
        int stride = Grid.DimX * Group.DimX;
        int total = batches * g.M * g.N;
        for (int i = Grid.IdxX * Group.DimX + Group.IdxX; i < total; i += stride)
        {
            int batch = i / (g.M * g.N), row = i / g.N % g.M, col = i % g.N;
            float sum = 0f;
            for (int p = 0; p < g.K; p++)
                sum += g.A(a, batch, row, p) * g.B(b, batch, p, col);
            c[i] = g.Store(sum, c[i]);
        }
    }
}
