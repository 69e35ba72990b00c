// The benchmark entry point: runs named workloads, pairs them with PyTorch, prints a table, returns the rows.
using System.Globalization;
using System.Runtime.Intrinsics;

namespace Snn.Bench;

/// <summary>One table row. Torch fields are null when the peer has no such figure or is unavailable.</summary>
public sealed record BenchResult(string Workload, string Label, int Threads, double Milliseconds, double Gflops,
    double? TorchMilliseconds, double? TorchGflops)
{
    /// <summary>Our speed over PyTorch's (time ratio, so &gt; 1 means we are faster).</summary>
    public double? Ratio => TorchMilliseconds is double t && Milliseconds > 0 ? t / Milliseconds : null;
}

/// <summary>
/// <c>BenchSuite.Run(["peak", "gemm", "conv"], threads: 2, withTorch: true, Console.Out)</c>. New workloads
/// join by adding an <see cref="IBenchWorkload"/> to <see cref="Workloads"/> (or passing a custom list).
/// </summary>
public static class BenchSuite
{
    /// <summary>The registered workloads, by name. Extensible: callers may add their own before <see cref="Run"/>.</summary>
    public static List<IBenchWorkload> Workloads { get; } = [new PeakWorkload(), new GemmWorkload(), new ConvWorkload()];

    public static IReadOnlyList<BenchResult> Run(string[] workloads, int threads, bool withTorch, TextWriter output,
        BenchRunner? runner = null)
    {
        runner ??= new BenchRunner();
        var results = new List<BenchResult>();
        output.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, " +
            $"Vector512 {(Vector512.IsHardwareAccelerated ? "on" : "off")}; threads {threads}; median of {runner.Repetitions} after {runner.WarmUp} warm-up");
        output.WriteLine($"{"workload",-22} {"ours ms",9} {"GFLOP/s",9} {"torch ms",9} {"GFLOP/s",9} {"ratio",7}");
        var peer = new TorchPeer();
        foreach (string name in workloads)
        {
            var workload = Workloads.FirstOrDefault(w => w.Name == name)
                ?? throw new ArgumentException($"bench: unknown workload '{name}'; known: {string.Join(", ", Workloads.Select(w => w.Name))}.");
            var ours = workload.Measure(threads, runner);
            var torch = withTorch && workload.HasTorchPeer ? peer.Measure(name, threads, runner) : [];
            if (withTorch && workload.HasTorchPeer && peer.Unavailable is string why) output.WriteLine(why);
            foreach (var figure in ours)
            {
                var peerFigure = torch.FirstOrDefault(t => t.Label == figure.Label);
                var row = new BenchResult(name, figure.Label, threads, figure.Milliseconds, figure.GigaflopsPerSecond,
                    peerFigure?.Milliseconds, peerFigure?.GigaflopsPerSecond);
                results.Add(row);
                output.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-22} {1,9:F2} {2,9:F1} {3,9} {4,9} {5,7}",
                    row.Label, row.Milliseconds, row.Gflops, Format(row.TorchMilliseconds, "F2"), Format(row.TorchGflops, "F1"),
                    Format(row.Ratio, "F2")));
            }
        }
        return results;
    }

    private static string Format(double? value, string format) =>
        value is double v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
