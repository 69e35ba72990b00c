// Starts bench/torch_bench.py as a server, so each of our runs has a PyTorch run of the same figure beside it.
using System.Diagnostics;

namespace Snn.Bench;

/// <summary>
/// The PyTorch peer: <c>python3 torch_bench.py --threads N --workload W --serve</c> (<see cref="TorchSession"/>).
/// PyTorch is only ever a yardstick, never a dependency: when it is missing <see cref="Start"/> returns null and
/// <see cref="Unavailable"/> says why.
/// </summary>
public sealed class TorchPeer(string python = "/usr/bin/python3", string? script = null)
{
    private readonly string _script = script ?? Path.Combine(AppContext.BaseDirectory, "torch_bench.py");

    /// <summary>Why the last <see cref="Start"/> returned null, or null when it worked.</summary>
    public string? Unavailable { get; private set; }

    /// <summary>Starts the peer for <paramref name="workload"/> at <paramref name="threads"/> threads and waits until it
    /// has warmed up with the runner's rule.</summary>
    public TorchSession? Start(string workload, int threads, BenchRunner runner)
    {
        Unavailable = null;
        if (!File.Exists(_script)) return Fail($"PyTorch peer unavailable: {_script} not found.");
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { _script, "--threads", threads.ToString(), "--workload", workload,
                     "--warmup", runner.WarmUp.ToString(), "--serve" })
            start.ArgumentList.Add(arg);
        // OpenBLAS and OpenMP read these before torch.set_num_threads runs; keep them from oversubscribing.
        start.Environment["OMP_NUM_THREADS"] = threads.ToString();
        start.Environment["OPENBLAS_NUM_THREADS"] = threads.ToString();
        Process process;
        try { process = Process.Start(start) ?? throw new InvalidOperationException("no process"); }
        catch (Exception e) { return Fail($"PyTorch peer unavailable: cannot start {python}: {e.Message}"); }
        var session = new TorchSession(process, threads, python);
        if (session.WaitUntilReady() is string why)
        {
            session.Dispose();
            return Fail($"PyTorch peer unavailable: {why}");
        }
        return session;
    }

    private TorchSession? Fail(string reason)
    {
        Unavailable = reason;
        return null;
    }
}
