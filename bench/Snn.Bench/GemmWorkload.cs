// Times the packed GEMM on a square product, the figure compared with torch.matmul.
using Snn.Kernels;

namespace Snn.Bench;

/// <summary>C[n, n] = A[n, n]·B[n, n] with beta = 0; 2n³ flops. Default n = 512.</summary>
public sealed class GemmWorkload(int size = 512) : IBenchWorkload
{
    public string Name => "gemm";
    public bool HasTorchPeer => true;

    public IReadOnlyList<BenchFigure> Measure(BenchRunner runner)
    {
        var rng = new Random(1);
        float[] a = Filled(rng, size * size), b = Filled(rng, size * size), c = new float[size * size];
        string label = $"gemm {size}";
        var timing = runner.Measure(label, () => Gemm.Multiply(false, false, size, size, size, a, size, b, size, 0f, c, size));
        return [BenchFigure.Of(label, timing, 2.0 * size * size * size)];
    }

    internal static float[] Filled(Random rng, int count)
    {
        var data = new float[count];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }
}
