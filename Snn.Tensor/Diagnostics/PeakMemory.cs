// Measures the peak memory of a piece of work: managed heap (sampled) and the process's peak resident set.
using System.Diagnostics;

namespace Snn.Diagnostics;

/// <summary>
/// Samples the managed heap size every few milliseconds on a background thread while alive and keeps the maximum;
/// also reads the OS's peak working set (RSS) at the end. <c>using var peak = PeakMemory.Start(); …; peak.Stop()</c>.
/// </summary>
public sealed class PeakMemory : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _running = true;
    private long _peakManaged;

    private PeakMemory()
    {
        _peakManaged = GC.GetTotalMemory(false);
        _thread = new Thread(Sample) { IsBackground = true, Name = "peak-memory" };
        _thread.Start();
    }

    public static PeakMemory Start() => new();

    /// <summary>Largest managed heap size seen, in bytes.</summary>
    public long PeakManagedBytes => Interlocked.Read(ref _peakManaged);

    /// <summary>The process's peak resident set so far, in bytes (includes the runtime and native buffers).</summary>
    public static long PeakResidentBytes
    {
        get
        {
            using var p = Process.GetCurrentProcess();
            return p.PeakWorkingSet64;
        }
    }

    public long Stop()
    {
        _running = false;
        _thread.Join();
        Observe();
        return PeakManagedBytes;
    }

    private void Sample()
    {
        while (_running)
        {
            Observe();
            Thread.Sleep(5);
        }
    }

    private void Observe()
    {
        long now = GC.GetTotalMemory(false);
        long seen;
        while (now > (seen = Interlocked.Read(ref _peakManaged)) && Interlocked.CompareExchange(ref _peakManaged, now, seen) != seen) { }
    }

    public void Dispose()
    {
        if (_running) Stop();
    }
}
