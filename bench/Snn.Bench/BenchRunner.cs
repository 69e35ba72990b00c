// Times a workload: warm-up runs, then repetitions, reporting the median.
using System.Diagnostics;

namespace Snn.Bench;

/// <summary>
/// Median wall time of <c>Repetitions</c> runs after at least <c>WarmUp</c> discarded ones lasting at least
/// <c>WarmUpSeconds</c> in all, so the tiered JIT has finished optimising whatever the workload calls. The median,
/// not the mean, because the machine is shared and a single preempted run should not move the figure.
/// </summary>
public sealed record BenchRunner(int WarmUp = 2, int Repetitions = 7, double WarmUpSeconds = 0.5)
{
    public double MedianMilliseconds(Action body)
    {
        long warmStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < WarmUp || Stopwatch.GetElapsedTime(warmStart).TotalSeconds < WarmUpSeconds; i++) body();
        var times = new double[Repetitions];
        for (int i = 0; i < Repetitions; i++)
        {
            long start = Stopwatch.GetTimestamp();
            body();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }
}
