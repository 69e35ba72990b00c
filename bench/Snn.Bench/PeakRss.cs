// The resident-set high-water mark of this process, resettable so each workload gets its own figure.
namespace Snn.Bench;

/// <summary>
/// Linux keeps the peak resident set (VmHWM) per process and lets a process reset it to the current RSS by writing
/// 5 to /proc/self/clear_refs. <see cref="Reset"/> first returns freed managed memory to the OS, so the figure a
/// workload gets is what it needed (runtime and JIT included, as PyTorch's ru_maxrss includes the interpreter and
/// torch). Elsewhere the OS's lifetime peak working set is the best available figure.
/// </summary>
public static class PeakRss
{
    public static void Reset()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>The peak resident set since the last <see cref="Reset"/>, in bytes.</summary>
    public static long Bytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException) { }
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }
}
