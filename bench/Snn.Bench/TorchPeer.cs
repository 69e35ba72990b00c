// Runs bench/torch_bench.py so our figures are compared with PyTorch measured in the same run.
using System.Diagnostics;
using System.Text.Json;

namespace Snn.Bench;

/// <summary>One PyTorch figure, keyed by the same label as the matching <see cref="BenchFigure"/>; the peak RSS is its process's.</summary>
public sealed record TorchFigure(string Label, double Milliseconds, double GigaflopsPerSecond, long? PeakRssBytes = null);

/// <summary>
/// The PyTorch peer: <c>python3 torch_bench.py --threads N --workload W</c>, one JSON object per output line.
/// PyTorch is only ever a yardstick, never a dependency: when it is missing <see cref="Measure"/> returns no
/// figures and <see cref="Unavailable"/> says why.
/// </summary>
public sealed class TorchPeer(string python = "/usr/bin/python3", string? script = null)
{
    private readonly string _script = script ?? Path.Combine(AppContext.BaseDirectory, "torch_bench.py");

    /// <summary>Why the last <see cref="Measure"/> produced nothing, or null when it worked.</summary>
    public string? Unavailable { get; private set; }

    public IReadOnlyList<TorchFigure> Measure(string workload, int threads, BenchRunner runner)
    {
        Unavailable = null;
        if (!File.Exists(_script)) return Fail($"PyTorch peer unavailable: {_script} not found.");
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { _script, "--threads", threads.ToString(), "--workload", workload,
                     "--warmup", runner.WarmUp.ToString(), "--reps", runner.Repetitions.ToString() })
            start.ArgumentList.Add(arg);
        // OpenBLAS and OpenMP read these before torch.set_num_threads runs; keep them from oversubscribing.
        start.Environment["OMP_NUM_THREADS"] = threads.ToString();
        start.Environment["OPENBLAS_NUM_THREADS"] = threads.ToString();
        Process process;
        try { process = Process.Start(start) ?? throw new InvalidOperationException("no process"); }
        catch (Exception e) { return Fail($"PyTorch peer unavailable: cannot start {python}: {e.Message}"); }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                string error = stderr.Result.Trim();
                string reason = error.Contains("No module named 'torch'") ? "torch is not installed for " + python : LastLine(error);
                return Fail($"PyTorch peer unavailable: {reason}");
            }
            return Parse(stdout);
        }
    }

    /// <summary>Reads the script's lines: {"workload": label, "ms": median, "gflops": rate, "peak_rss_bytes": bytes}.</summary>
    internal static IReadOnlyList<TorchFigure> Parse(string stdout)
    {
        var figures = new List<TorchFigure>();
        foreach (string line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith('{')) continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            figures.Add(new TorchFigure(root.GetProperty("workload").GetString() ?? "",
                root.GetProperty("ms").GetDouble(), root.GetProperty("gflops").GetDouble(),
                root.TryGetProperty("peak_rss_bytes", out var rss) ? rss.GetInt64() : null));
        }
        return figures;
    }

    private IReadOnlyList<TorchFigure> Fail(string reason)
    {
        Unavailable = reason;
        return [];
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "exited with an error";
}
