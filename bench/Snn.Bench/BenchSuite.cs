// The benchmark entry point: runs named workloads at 1 and N threads, pairs them with PyTorch, prints a table.
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;
using Snn.Diagnostics;

namespace Snn.Bench;

/// <summary>
/// One table row at <see cref="Threads"/> threads; the one-thread figures are null when scaling was not measured,
/// the torch ones when the peer has no such figure or is unavailable. <see cref="Scaling"/> (how much faster N
/// threads are than one) is ours: the median ratio of back-to-back runs (<see cref="BenchRunner"/>);
/// <see cref="HostScaling"/> is <see cref="HostProbe"/>'s, timed beside ours: what the host gave work that shares nothing;
/// <see cref="TorchScaling"/> compares PyTorch's one-thread process with its N-thread one.
/// Memory: managed bytes allocated per step, our peak RSS and peak managed heap while the workload ran, PyTorch's
/// peak RSS (its own process).
/// </summary>
public sealed record BenchResult(string Workload, string Label, int Threads, double Milliseconds, double Gflops,
    double? BytesPerStep, long PeakRssBytes, long PeakManagedBytes, double? OneThreadMilliseconds, double? Scaling, double? HostScaling,
    double? TorchMilliseconds, double? TorchOneThreadMilliseconds, long? TorchPeakRssBytes, string? Unavailable)
{
    /// <summary>Our speed over PyTorch's (time ratio, so &gt; 1 means we are faster).</summary>
    public double? Ratio => TorchMilliseconds is double t && Milliseconds > 0 ? t / Milliseconds : null;

    public double? TorchScaling => TorchOneThreadMilliseconds is double one && TorchMilliseconds is double n && n > 0 ? one / n : null;

    public JsonObject ToJson() => new()
    {
        ["workload"] = Workload, ["label"] = Label, ["threads"] = Threads, ["ms"] = Milliseconds, ["gflops"] = Gflops,
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
            $"median of {runner.Repetitions} after ≥{runner.WarmUp} warm-up" +
            (runner.Scaling && threads > 1 ? "; ours: each repetition also at 1 thread, back to back (scale = median ratio); " +
                "host: the same ratio for a register-only loop timed beside each pair; PyTorch: 1 thread in a process of its own" : "");
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
            var (ours, rss, managed) = MeasureWithMemory(workload, runner);
            bool torch = withTorch && workload.HasTorchPeer;
            var peerFigures = torch ? peer.Measure(name, threads, runner) : [];
            if (torch && peer.Unavailable is string why) output.WriteLine(why);
            // PyTorch's one-thread figure comes from a process of its own: switching torch between thread counts run
            // by run made its 2-thread GEMM 2.7× slower than its 1-thread one.
            var peerOne = torch && scaling && threads > 1 ? peer.Measure(name, 1, runner) : [];
            foreach (var figure in ours)
            {
                var t = peerFigures.FirstOrDefault(p => p.Label == figure.Label);
                var row = new BenchResult(name, figure.Label, threads, figure.Milliseconds, figure.GigaflopsPerSecond, figure.BytesPerStep,
                    rss, managed, figure.OneThreadMilliseconds, figure.Scaling, figure.HostScaling, t?.Milliseconds,
                    peerOne.FirstOrDefault(p => p.Label == figure.Label)?.Milliseconds, t?.PeakRssBytes, figure.Unavailable);
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
