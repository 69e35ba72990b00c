// Times a workload: warm-up runs, then repetitions, reporting the median and the bytes each run allocated.
using System.Diagnostics;

namespace Snn.Bench;

/// <summary>A median wall time and the managed bytes one run allocated (GC.GetTotalAllocatedBytes delta / runs).</summary>
public readonly record struct BenchTiming(double Milliseconds, double BytesPerRun);

/// <summary>
/// Median wall time of <c>Repetitions</c> runs after at least <c>WarmUp</c> discarded ones lasting at least
/// <c>WarmUpSeconds</c> in all, so the tiered JIT has finished optimising whatever the workload calls. The median,
/// not the mean, because the machine is shared and a single preempted run should not move the figure.
/// </summary>
public sealed record BenchRunner(int WarmUp = 2, int Repetitions = 7, double WarmUpSeconds = 0.5)
{
    public double MedianMilliseconds(Action body) => Measure(body).Milliseconds;

    public BenchTiming Measure(Action body)
    {
        long warmStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < WarmUp || Stopwatch.GetElapsedTime(warmStart).TotalSeconds < WarmUpSeconds; i++) body();
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
