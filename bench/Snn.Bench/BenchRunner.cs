// Times a workload: warm-up runs, then repetitions, reporting the median and the bytes each run allocated.
using System.Diagnostics;

namespace Snn.Bench;

/// <summary>
/// A median wall time at <see cref="BenchRunner.Threads"/> threads and the managed bytes one run allocated
/// (GC.GetTotalAllocatedBytes delta / runs). With scaling measured: the median at one thread, and
/// <see cref="Scaling"/>, the median over repetitions of (one-thread time / N-thread time) of back-to-back runs, and
/// <see cref="HostScaling"/>, the same median for <see cref="HostProbe"/> timed beside each pair: what the host gave
/// perfectly parallel work in those minutes.
/// </summary>
public readonly record struct BenchTiming(double Milliseconds, double BytesPerRun, double? OneThreadMilliseconds = null, double? Scaling = null,
    double? HostScaling = null);

/// <summary>
/// Median wall time of <c>Repetitions</c> runs after at least <c>WarmUp</c> discarded ones lasting at least
/// <c>WarmUpSeconds</c> in all (or <c>WarmUpLimitSeconds</c> for slow workloads), so the tiered JIT has finished
/// optimising whatever the workload calls: a kernel called a few times per step reaches tier 1 only after its
/// 30th call plus the JIT's delay, and 0.5 s of warm-up left a csnn step ~25% slow. The median,
/// not the mean, because the machine is shared and a single preempted run should not move the figure.
/// The runner sets <see cref="Parallelism.Threads"/> for every run (workloads do not). With <c>Scaling</c>, each
/// repetition runs the body at <c>Threads</c> and at one thread back to back (alternating which goes first): the
/// shared host's speed drifts over minutes, so two blocks of runs measured one after the other compare two different
/// machines, while a pair of neighbouring runs sees the same one.
/// </summary>
public sealed record BenchRunner(int WarmUp = 30, int Repetitions = 7, double WarmUpSeconds = 2, double WarmUpLimitSeconds = 8,
    int Threads = 1, bool Scaling = false)
{
    private bool Paired => Scaling && Threads > 1;

    public double MedianMilliseconds(Action body) => Measure(body).Milliseconds;

    public BenchTiming Measure(Action body)
    {
        int saved = Parallelism.Threads;
        try
        {
            int[] counts = Paired ? [Threads, 1] : [Threads];
            long warmStart = Stopwatch.GetTimestamp();
            for (int i = 0; ; i++)
            {
                double elapsed = Stopwatch.GetElapsedTime(warmStart).TotalSeconds;
                if ((i >= WarmUp * counts.Length && elapsed >= WarmUpSeconds) || elapsed >= WarmUpLimitSeconds) break;
                Time(body, counts[i % counts.Length]);
            }
            var many = new double[Repetitions];
            var one = new double[Repetitions];
            var hostRatios = new double[Repetitions];
            long probeBytes = 0;
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < Repetitions; i++)
            {
                if (!Paired) { many[i] = Time(body, Threads); continue; }
                if (i % 2 == 0) { many[i] = Time(body, Threads); one[i] = Time(body, 1); }
                else { one[i] = Time(body, 1); many[i] = Time(body, Threads); }
                // The probe's own allocations (if any) are not the workload's.
                long probeStart = GC.GetTotalAllocatedBytes(precise: true);
                hostRatios[i] = Time(HostProbe.Run, 1) / Time(HostProbe.Run, Threads);
                probeBytes += GC.GetTotalAllocatedBytes(precise: true) - probeStart;
            }
            double bytesPerRun = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore - probeBytes) / (Repetitions * counts.Length);
            if (!Paired) return new BenchTiming(Median(many), bytesPerRun);
            var ratios = one.Zip(many, (a, b) => a / b).ToArray();
            return new BenchTiming(Median(many), bytesPerRun, Median(one), Median(ratios), Median(hostRatios));
        }
        finally { Parallelism.Threads = saved; }
    }

    private static double Time(Action body, int threads)
    {
        Parallelism.Threads = threads;
        long start = Stopwatch.GetTimestamp();
        body();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
