// Measures the machine's attainable FMA throughput, the ceiling every GEMM figure is read against.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Snn.Bench;

/// <summary>
/// Register-only fused multiply-adds: 12 independent Vector512 (or Vector256) chains, no memory traffic, on one
/// thread and then on the runner's threads at once (its own threads, not the kernels' team). 2 flops per lane per FMA.
/// </summary>
public sealed class PeakWorkload : IBenchWorkload
{
    private const int Iterations = 20_000_000;

    public string Name => "peak";
    public bool HasTorchPeer => false;

    public IReadOnlyList<BenchFigure> Measure(BenchRunner runner)
    {
        int threads = runner.Threads;
        runner = runner with { Scaling = false };
        double flops = FlopsPerCall();
        double one = runner.MedianMilliseconds(() => Chains(Iterations));
        var result = new List<BenchFigure> { new("peak 1 thread", one, flops) };
        if (threads > 1)
        {
            double all = runner.MedianMilliseconds(() =>
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Chains(Iterations)));
            result.Add(new($"peak {threads} threads", all, flops * threads));
        }
        return result;
    }

    private static double FlopsPerCall() =>
        2.0 * 12 * Iterations * (Vector512.IsHardwareAccelerated ? 16 : 8);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains(int iterations) =>
        Vector512.IsHardwareAccelerated ? Chains512(iterations) : Chains256(iterations);

    private static float Chains512(int iterations)
    {
        var m = Vector512.Create(0.999999f);
        var x = Vector512.Create(1e-7f);
        Vector512<float> c0 = m, c1 = m, c2 = m, c3 = m, c4 = m, c5 = m, c6 = m, c7 = m, c8 = m, c9 = m, c10 = m, c11 = m;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, x); c1 = Vector512.FusedMultiplyAdd(c1, m, x);
            c2 = Vector512.FusedMultiplyAdd(c2, m, x); c3 = Vector512.FusedMultiplyAdd(c3, m, x);
            c4 = Vector512.FusedMultiplyAdd(c4, m, x); c5 = Vector512.FusedMultiplyAdd(c5, m, x);
            c6 = Vector512.FusedMultiplyAdd(c6, m, x); c7 = Vector512.FusedMultiplyAdd(c7, m, x);
            c8 = Vector512.FusedMultiplyAdd(c8, m, x); c9 = Vector512.FusedMultiplyAdd(c9, m, x);
            c10 = Vector512.FusedMultiplyAdd(c10, m, x); c11 = Vector512.FusedMultiplyAdd(c11, m, x);
        }
        // Returning a value the caller could observe keeps the JIT from deleting the loop.
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    private static float Chains256(int iterations)
    {
        var m = Vector256.Create(0.999999f);
        var x = Vector256.Create(1e-7f);
        Vector256<float> c0 = m, c1 = m, c2 = m, c3 = m, c4 = m, c5 = m, c6 = m, c7 = m, c8 = m, c9 = m, c10 = m, c11 = m;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, x); c1 = Vector256.FusedMultiplyAdd(c1, m, x);
            c2 = Vector256.FusedMultiplyAdd(c2, m, x); c3 = Vector256.FusedMultiplyAdd(c3, m, x);
            c4 = Vector256.FusedMultiplyAdd(c4, m, x); c5 = Vector256.FusedMultiplyAdd(c5, m, x);
            c6 = Vector256.FusedMultiplyAdd(c6, m, x); c7 = Vector256.FusedMultiplyAdd(c7, m, x);
            c8 = Vector256.FusedMultiplyAdd(c8, m, x); c9 = Vector256.FusedMultiplyAdd(c9, m, x);
            c10 = Vector256.FusedMultiplyAdd(c10, m, x); c11 = Vector256.FusedMultiplyAdd(c11, m, x);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
