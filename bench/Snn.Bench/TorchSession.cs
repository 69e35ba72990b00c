// One running torch_bench.py --serve process: one line in (a figure's label), one JSON line out (that run's time).
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Snn.Bench;

/// <summary>
/// A warmed-up PyTorch process at <see cref="Threads"/> threads that times one run of a figure per
/// <see cref="Time"/>. It waits on its input between runs, so it takes no core while ours run (the script sleeps
/// briefly around each run, outside the timing, so neither side's spinning workers overlap the other's run).
/// </summary>
public sealed class TorchSession : IDisposable
{
    private readonly Process _process;
    private readonly string _python;
    private readonly StringBuilder _stderr = new();

    internal TorchSession(Process process, int threads, string python)
    {
        (_process, Threads, _python) = (process, threads, python);
        _process.ErrorDataReceived += (_, e) => { lock (_stderr) if (e.Data is not null) _stderr.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
    }

    public int Threads { get; }

    /// <summary>The process's resident high-water mark at its last answer.</summary>
    public long? PeakRssBytes { get; private set; }

    /// <summary>Why the session stopped answering, or null while it works.</summary>
    public string? Unavailable { get; private set; }

    /// <summary>Reads the {"ready": [labels]} line; returns why not when the process ends or says something else.</summary>
    internal string? WaitUntilReady()
    {
        string? line = _process.StandardOutput.ReadLine();
        if (line is null) return Exited();
        try
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("ready", out _)) return null;
        }
        catch (JsonException) { }
        return $"expected a ready line from {_python}, got: {line}";
    }

    /// <summary>Times one run of <paramref name="label"/> in the peer; null (and <see cref="Unavailable"/> set) when it
    /// cannot answer.</summary>
    public double? Time(string label)
    {
        if (Unavailable is not null) return null;
        try
        {
            _process.StandardInput.WriteLine(label);
            _process.StandardInput.Flush();
        }
        catch (IOException) { return Stop(Exited()); }
        string? line = _process.StandardOutput.ReadLine();
        if (line is null) return Stop(Exited());
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.TryGetProperty("error", out var error)) return Stop(error.GetString() ?? "error");
            if (root.TryGetProperty("peak_rss_bytes", out var rss)) PeakRssBytes = rss.GetInt64();
            if (root.TryGetProperty("ms", out var ms)) return ms.GetDouble();
        }
        catch (JsonException) { }
        return Stop($"expected a time for '{label}', got: {line}");
    }

    private double? Stop(string why)
    {
        Unavailable = $"PyTorch peer ({Threads} threads) stopped: {why}";
        return null;
    }

    // The process ended: its last line of stderr says why (a missing torch module gets a plainer message).
    private string Exited()
    {
        // The overload without a timeout also waits for the stderr reader to drain, once the process has ended.
        if (_process.WaitForExit(5000)) _process.WaitForExit();
        string error;
        lock (_stderr) error = _stderr.ToString().Trim();
        if (error.Contains("No module named 'torch'")) return "torch is not installed for " + _python;
        return error.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? $"{_python} exited with no output";
    }

    /// <summary>Closes the peer's input, which ends it; kills it if it has not ended within 10 s.</summary>
    public void Dispose()
    {
        try { _process.StandardInput.Close(); } catch (IOException) { }
        if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
