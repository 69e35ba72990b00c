// A loop that touches no memory: how much faster N threads run perfectly parallel work on this host, right now.
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Snn.Bench;

/// <summary>
/// Arithmetic in registers only, split into the same chunks and run on the same worker team as the kernels
/// (<see cref="Parallelism.For(int, int, Action{int, int})"/>). It shares nothing and reads nothing, so its
/// one-thread / N-thread ratio is what the host gives such work in the same minutes; a kernel beats it only when two
/// cores' caches hold what one core's could not. On the README's shared
/// 2-vCPU guest a loop of this kind gave medians of 1.72–1.95 over twelve runs, and 1.00 in a thirteenth, while the
/// guest reported no stolen time; <see cref="BenchRunner"/> times it next to every pair of workload runs.
/// </summary>
public static class HostProbe
{
    private const int Chunks = 64;
    private const int IterationsPerChunk = 20_000; // ≈ 40 µs a chunk, ≈ 2.5 ms the whole probe on one thread

    /// <summary>Runs the probe once at <see cref="Parallelism.Threads"/> threads.</summary>
    public static void Run() => Parallelism.For(Chunks, 1, (start, end) =>
    {
        for (int chunk = start; chunk < end; chunk++) Sink(Chunk());
    });

    // Eight independent chains, so the FMA units rather than one chain's latency set the pace.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chunk()
    {
        var scale = new Vector<float>(0.999f);
        var shift = new Vector<float>(0.001f);
        Vector<float> a = Vector<float>.One, b = a, c = a, d = a, e = a, f = a, g = a, h = a;
        for (int i = 0; i < IterationsPerChunk; i++)
        {
            a = a * scale + shift; b = b * scale + shift; c = c * scale + shift; d = d * scale + shift;
            e = e * scale + shift; f = f * scale + shift; g = g * scale + shift; h = h * scale + shift;
        }
        return Vector.Sum(a + b + c + d + e + f + g + h);
    }

    private static float s_sink;

    // Keeps the JIT from dropping the loop as dead code.
    private static void Sink(float value) => Volatile.Write(ref s_sink, value);
}
