// Times a workload: warm-up runs, then repetitions, reporting the median and the bytes each run allocated.
using System.Diagnostics;

namespace Snn.Bench;

/// <summary>
/// A median wall time of <see cref="Repetitions"/> runs at <see cref="BenchRunner.Threads"/> threads and the managed
/// bytes one run allocated (GC.GetTotalAllocatedBytes delta / runs). With scaling measured: the median at one thread, and
/// <see cref="Scaling"/>, the median over repetitions of (one-thread time / N-thread time) of back-to-back runs, and
/// <see cref="HostScaling"/>, the same median for <see cref="HostProbe"/> timed beside each pair: what the host gave
/// perfectly parallel work in those minutes. With a peer: its medians at N threads (and at one with scaling), and
/// <see cref="PeerRatio"/> and <see cref="PeerScaling"/>, medians of the same per-repetition ratios.
/// </summary>
public readonly record struct BenchTiming(double Milliseconds, double BytesPerRun, int Repetitions, double? OneThreadMilliseconds = null, double? Scaling = null,
    double? HostScaling = null, double? PeerMilliseconds = null, double? PeerOneThreadMilliseconds = null, double? PeerRatio = null,
    double? PeerScaling = null);

/// <summary>
/// Times one run of the peer's figure <c>label</c> at <c>threads</c> threads, in milliseconds, or null when the peer
/// can no longer answer (the runner then stops asking it).
/// </summary>
public delegate double? PeerTimer(string label, int threads);

/// <summary>
/// Median wall time of <c>Repetitions</c> runs after at least <c>WarmUp</c> discarded ones lasting at least
/// <c>WarmUpSeconds</c> in all (or <c>WarmUpLimitSeconds</c> for slow workloads), so the tiered JIT has finished
/// optimising whatever the workload calls: a kernel called a few times per step reaches tier 1 only after its
/// 30th call plus the JIT's delay, and 0.5 s of warm-up left a csnn step ~25% slow. The median,
/// not the mean, because the machine is shared and a single preempted run should not move the figure.
/// The runner sets <see cref="Parallelism.Threads"/> for every run (workloads do not).
/// Every comparison is made run beside run, because the shared host's speed drifts over minutes and two blocks of
/// runs measured one after the other compare two different machines, while neighbouring runs see the same one:
/// with <c>Scaling</c>, each repetition runs the body at <c>Threads</c> and at one thread back to back (alternating
/// which goes first); with a <see cref="Peer"/>, each repetition also times the peer's run of the same figure at the
/// same thread counts (our runs first in even repetitions, the peer's first in odd ones). Then each timed run, ours
/// and the peer's, follows untimed runs of the same body: the other runs in between have let the workers
/// sleep, the host take the idle second vCPU away and the caches empty, and a run that starts by waiting for those is
/// not what back-to-back training steps see. So before each timed run the body runs untimed for at least
/// <c>RewarmSeconds</c> (once when a run is longer): with a single untimed run, 16 of 88 of our 512³ GEMM's
/// two-thread runs beside PyTorch took 4–8 ms instead of 1.3–1.6 (PyTorch's as often); with 50 ms, none of 88 did.
/// A figure whose warm-up runs take under <c>MinimumSeconds</c> / <c>Repetitions</c> gets more repetitions, up to
/// <see cref="MaxRepetitionFactor"/> times as many: the median of 11 GEMM runs of 1.5 ms moved by a third between
/// runs of the bench on the shared host.
/// </summary>
public sealed record BenchRunner(int WarmUp = 30, int Repetitions = 7, double WarmUpSeconds = 2, double WarmUpLimitSeconds = 8,
    int Threads = 1, bool Scaling = false, PeerTimer? Peer = null, double MinimumSeconds = 0.5, double RewarmSeconds = 0.05)
{
    public const int MaxRepetitionFactor = 4;

    private bool Paired => Scaling && Threads > 1;

    public double MedianMilliseconds(Action body) => Measure(null, body).Milliseconds;

    /// <summary>Times <paramref name="body"/>; <paramref name="label"/> names the figure the <see cref="Peer"/> times beside it
    /// (none when null).</summary>
    public BenchTiming Measure(string? label, Action body)
    {
        int saved = Parallelism.Threads;
        try
        {
            int[] counts = Paired ? [Threads, 1] : [Threads];
            long warmStart = Stopwatch.GetTimestamp();
            var warm = new List<double>();
            for (int i = 0; ; i++)
            {
                double elapsed = Stopwatch.GetElapsedTime(warmStart).TotalSeconds;
                if ((i >= WarmUp * counts.Length && elapsed >= WarmUpSeconds) || elapsed >= WarmUpLimitSeconds) break;
                double ms = Time(body, counts[i % counts.Length]);
                if (i % counts.Length == 0) warm.Add(ms);
            }
            int repetitions = Repetitions;
            if (warm.Count > 0)
                repetitions = (int)Math.Clamp(Math.Ceiling(MinimumSeconds * 1e3 / Math.Max(Median(warm.ToArray()), 1e-3)),
                    Repetitions, MaxRepetitionFactor * Repetitions);
            var peer = label is null ? null : Peer;
            var many = new double[repetitions];
            var one = new double[repetitions];
            var hostRatios = new double[repetitions];
            var peerMany = new double[repetitions];
            var peerOne = new double[repetitions];
            bool rewarm = peer is not null || Paired;
            long rewarmRuns = 0;
            double Timed(Action what, int threads)
            {
                if (rewarm)
                {
                    long start = Stopwatch.GetTimestamp();
                    do { Time(what, threads); rewarmRuns += what == body ? 1 : 0; }
                    while (Stopwatch.GetElapsedTime(start).TotalSeconds < RewarmSeconds);
                }
                return Time(what, threads);
            }
            long probeBytes = 0;
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < repetitions; i++)
            {
                bool oursFirst = i % 2 == 0;
                if (!oursFirst && peer is not null && !TimePeer(peer, label!, i, peerMany, peerOne)) peer = null;
                foreach (int threads in Order(i)) (threads == Threads ? many : one)[i] = Timed(body, threads);
                if (Paired)
                {
                    // The probe's own allocations (if any) are not the workload's.
                    long probeStart = GC.GetTotalAllocatedBytes(precise: true);
                    hostRatios[i] = Timed(HostProbe.Run, 1) / Timed(HostProbe.Run, Threads);
                    probeBytes += GC.GetTotalAllocatedBytes(precise: true) - probeStart;
                }
                if (oursFirst && peer is not null && !TimePeer(peer, label!, i, peerMany, peerOne)) peer = null;
            }
            double bytesPerRun = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore - probeBytes) / (repetitions * counts.Length + rewarmRuns);
            var timing = new BenchTiming(Median(many), bytesPerRun, repetitions);
            if (Paired) timing = timing with { OneThreadMilliseconds = Median(one), Scaling = Median(Ratios(one, many)), HostScaling = Median(hostRatios) };
            if (peer is not null)
            {
                timing = timing with { PeerMilliseconds = Median(peerMany), PeerRatio = Median(Ratios(peerMany, many)) };
                if (Paired) timing = timing with { PeerOneThreadMilliseconds = Median(peerOne), PeerScaling = Median(Ratios(peerOne, peerMany)) };
            }
            return timing;
        }
        finally { Parallelism.Threads = saved; }
    }

    // The thread counts of repetition i, ours and the peer's, in the order they run.
    private int[] Order(int i) => !Paired ? [Threads] : i % 2 == 0 ? [Threads, 1] : [1, Threads];

    // The peer's runs of repetition i, in the same order as ours; false when it stopped answering.
    private bool TimePeer(PeerTimer peer, string label, int i, double[] many, double[] one)
    {
        foreach (int threads in Order(i))
        {
            if (peer(label, threads) is not double ms) return false;
            (threads == Threads ? many : one)[i] = ms;
        }
        return true;
    }

    private static double Time(Action body, int threads)
    {
        Parallelism.Threads = threads;
        long start = Stopwatch.GetTimestamp();
        body();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double[] Ratios(double[] numerators, double[] denominators) =>
        numerators.Zip(denominators, (a, b) => a / b).ToArray();

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
