// Times a workload: warm-up runs, then repetitions, reporting the median and the bytes each run allocated.
using System.Diagnostics;

namespace Snn.Bench;

/// <summary>A median wall time and the managed bytes one run allocated (GC.GetTotalAllocatedBytes delta / runs).</summary>
public readonly record struct BenchTiming(double Milliseconds, double BytesPerRun);

/// <summary>
/// Median wall time of <c>Repetitions</c> runs after at least <c>WarmUp</c> discarded ones lasting at least
/// <c>WarmUpSeconds</c> in all (or <c>WarmUpLimitSeconds</c> for slow workloads), so the tiered JIT has finished
/// optimising whatever the workload calls: a kernel called a few times per step reaches tier 1 only after its
/// 30th call plus the JIT's delay, and 0.5 s of warm-up left a csnn step ~25% slow. The median,
/// not the mean, because the machine is shared and a single preempted run should not move the figure.
/// </summary>
public sealed record BenchRunner(int WarmUp = 30, int Repetitions = 7, double WarmUpSeconds = 2, double WarmUpLimitSeconds = 8)
{
    public double MedianMilliseconds(Action body) => Measure(body).Milliseconds;

    public BenchTiming Measure(Action body)
    {
        long warmStart = Stopwatch.GetTimestamp();
        for (int i = 0; ; i++)
        {
            double elapsed = Stopwatch.GetElapsedTime(warmStart).TotalSeconds;
            if ((i >= WarmUp && elapsed >= WarmUpSeconds) || elapsed >= WarmUpLimitSeconds) break;
            body();
        }
        var times = new double[Repetitions];
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < Repetitions; i++)
        {
            long start = Stopwatch.GetTimestamp();
            body();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        double bytesPerRun = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / Repetitions;
        Array.Sort(times);
        return new BenchTiming(times[times.Length / 2], bytesPerRun);
    }
}
