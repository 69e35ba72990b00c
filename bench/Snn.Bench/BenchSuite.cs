// The benchmark entry point: runs named workloads at 1 and N threads, pairs them with PyTorch, prints a table.
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;
using Snn.Diagnostics;

namespace Snn.Bench;

/// <summary>
/// One table row at <see cref="Threads"/> threads; the one-thread figures are null when scaling was not measured,
/// the torch ones when the peer has no such figure or is unavailable. Every ratio is the median of ratios of runs
/// made side by side (<see cref="BenchRunner"/>): <see cref="Scaling"/> (how much faster N threads are than one) is
/// ours; <see cref="HostScaling"/> is <see cref="HostProbe"/>'s, timed beside ours: what the host gave work that
/// shares nothing; <see cref="TorchScaling"/> is PyTorch's (a process per thread count); <see cref="Ratio"/> is ours
/// against PyTorch's at N threads.
/// Memory: managed bytes allocated per step, our peak RSS and peak managed heap while the workload ran, PyTorch's
/// peak RSS (its own process).
/// </summary>
public sealed record BenchResult(string Workload, string Label, int Threads, double Milliseconds, double Gflops,
    double? BytesPerStep, long PeakRssBytes, long PeakManagedBytes, BenchTiming? Timing, long? TorchPeakRssBytes, string? Unavailable)
{
    public double? OneThreadMilliseconds => Timing?.OneThreadMilliseconds;
    public double? Scaling => Timing?.Scaling;
    public double? HostScaling => Timing?.HostScaling;
    public double? TorchMilliseconds => Timing?.PeerMilliseconds;
    public double? TorchOneThreadMilliseconds => Timing?.PeerOneThreadMilliseconds;
    public double? TorchScaling => Timing?.PeerScaling;

    /// <summary>Our speed over PyTorch's (time ratio, so &gt; 1 means we are faster).</summary>
    public double? Ratio => Timing?.PeerRatio;

    public JsonObject ToJson() => new()
    {
        ["workload"] = Workload, ["label"] = Label, ["threads"] = Threads, ["ms"] = Milliseconds, ["repetitions"] = Timing?.Repetitions, ["gflops"] = Gflops,
        ["bytes_per_step"] = BytesPerStep, ["peak_rss_bytes"] = PeakRssBytes, ["peak_managed_bytes"] = PeakManagedBytes,
        ["ms_1_thread"] = OneThreadMilliseconds, ["scaling"] = Scaling, ["host_scaling"] = HostScaling, ["torch_ms"] = TorchMilliseconds,
        ["torch_ms_1_thread"] = TorchOneThreadMilliseconds, ["torch_scaling"] = TorchScaling,
        ["torch_peak_rss_bytes"] = TorchPeakRssBytes, ["ratio"] = Ratio, ["unavailable"] = Unavailable,
    };
}

/// <summary>
/// <c>BenchSuite.Run(["csnn-train", "gemm"], threads: 2, withTorch: true, scaling: true, Console.Out)</c>. New
/// workloads join by adding an <see cref="IBenchWorkload"/> to <see cref="Workloads"/>.
/// </summary>
public static class BenchSuite
{
    /// <summary>The registered workloads, by name. Extensible: callers may add their own before <see cref="Run"/>.</summary>
    public static List<IBenchWorkload> Workloads { get; } =
    [
        ModelWorkload.CsnnTrain(), ModelWorkload.CsnnInfer(), ModelWorkload.SpikformerTrain(), ModelWorkload.SpikformerInfer(),
        new LifWorkload(), new GemmWorkload(), new StreamWorkload(), new ConvWorkload(), new PeakWorkload(),
    ];

    public static string MachineLine(int threads, BenchRunner runner)
    {
        string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        return $"machine: {Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, " +
            $"Vector512 {(Vector512.IsHardwareAccelerated ? "on" : "off")}, load average {load}; threads {threads}; " +
            $"median of {runner.Repetitions}–{BenchRunner.MaxRepetitionFactor * runner.Repetitions} repetitions (short figures get more) after ≥{runner.WarmUp} warm-up" +
            (runner.Scaling && threads > 1 ? "; each repetition also at 1 thread, back to back (scale = median ratio); " +
                "host: the same ratio for a register-only loop timed beside each pair" : "") +
            "; PyTorch: a process per thread count, each of its runs beside ours (ratio = median of the pairs' ratios)";
    }

    public static IReadOnlyList<BenchResult> Run(string[] workloads, int threads, bool withTorch, bool scaling, TextWriter output,
        BenchRunner? runner = null)
    {
        runner = (runner ?? new BenchRunner()) with { Threads = threads, Scaling = scaling };
        var results = new List<BenchResult>();
        output.WriteLine(MachineLine(threads, runner));
        output.WriteLine($"{"workload",-28} {"ours ms",9} {"torch ms",9} {"ratio",6} | {"ours 1T",9} {"scale",5} {"host",5} {"torch 1T",9} {"scale",5} | {"MB/step",8} {"RSS MB",7} {"torch RSS",9}");
        var peer = new TorchPeer();
        foreach (string name in workloads)
        {
            var workload = Workloads.FirstOrDefault(w => w.Name == name)
                ?? throw new ArgumentException($"bench: unknown workload '{name}'; known: {string.Join(", ", Workloads.Select(w => w.Name))}.");
            // PyTorch's one-thread runs come from a process of their own: switching torch between thread counts run
            // by run made its 2-thread GEMM 2.7× slower than its 1-thread one.
            int[] peerThreads = !withTorch || !workload.HasTorchPeer ? [] : runner.Scaling && threads > 1 ? [threads, 1] : [threads];
            var sessions = new List<TorchSession>();
            foreach (int t in peerThreads)
            {
                if (peer.Start(name, t, runner) is TorchSession session) sessions.Add(session);
                else { output.WriteLine(peer.Unavailable); break; }
            }
            IReadOnlyList<BenchFigure> ours;
            long rss, managed;
            try
            {
                var paired = sessions.Count == peerThreads.Length && sessions.Count > 0
                    ? runner with { Peer = (label, t) => sessions.First(s => s.Threads == t).Time(label) }
                    : runner;
                (ours, rss, managed) = MeasureWithMemory(workload, paired);
            }
            finally
            {
                foreach (var session in sessions) session.Dispose();
            }
            foreach (var session in sessions)
                if (session.Unavailable is string why) output.WriteLine(why);
            long? torchRss = sessions.FirstOrDefault(s => s.Threads == threads)?.PeakRssBytes;
            foreach (var figure in ours)
            {
                var row = new BenchResult(name, figure.Label, threads, figure.Milliseconds, figure.GigaflopsPerSecond, figure.BytesPerStep,
                    rss, managed, figure.Timing, figure.Timing?.PeerMilliseconds is null ? null : torchRss, figure.Unavailable);
                results.Add(row);
                output.WriteLine(Line(row));
            }
        }
        return results;
    }

    /// <summary>Runs a workload with the RSS high-water mark reset before and the managed heap sampled throughout.</summary>
    private static (IReadOnlyList<BenchFigure> Figures, long Rss, long Managed) MeasureWithMemory(IBenchWorkload workload, BenchRunner runner)
    {
        PeakRss.Reset();
        using var peak = PeakMemory.Start();
        var figures = workload.Measure(runner);
        long managed = peak.Stop();
        return (figures, PeakRss.Bytes(), managed);
    }

    private static string Line(BenchResult r)
    {
        if (r.Unavailable is string why)
            return string.Format(CultureInfo.InvariantCulture, "{0,-28} {1,9} {2,9}   ({3})", r.Label, "-", Format(r.TorchMilliseconds, "F2"), why);
        return string.Format(CultureInfo.InvariantCulture, "{0,-28} {1,9:F2} {2,9} {3,6} | {4,9} {5,5} {6,5} {7,9} {8,5} | {9,8} {10,7:F0} {11,9}",
            r.Label, r.Milliseconds, Format(r.TorchMilliseconds, "F2"), Format(r.Ratio, "F2"), Format(r.OneThreadMilliseconds, "F2"),
            Format(r.Scaling, "F2"), Format(r.HostScaling, "F2"), Format(r.TorchOneThreadMilliseconds, "F2"), Format(r.TorchScaling, "F2"),
            Format(r.BytesPerStep / 1048576.0, "F1"), r.PeakRssBytes / 1048576.0, Format(r.TorchPeakRssBytes / 1048576.0, "F0"));
    }

    private static string Format(double? value, string format) =>
        value is double v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
