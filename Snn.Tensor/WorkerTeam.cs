// The threads behind Parallelism.For: a fixed team, chunk c always on worker c, no thread-pool hops.
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Snn;

/// <summary>
/// Runs the chunks of one parallel loop: the caller runs chunk 0, worker w runs chunk w. Why not Parallel.For: on a
/// two-core machine the thread pool kept four workers taking turns at the chunks and spinning for work, competing with
/// the two threads doing it (the csnn training step at two threads varied 68–104 ms between runs), and every call
/// allocated tasks. Kernels come in quick succession, so a worker spins for <see cref="SpinTime"/> after a chunk
/// before it sleeps.
/// One loop at a time: a loop started while the team is busy (a loop inside a chunk, or another thread's loop) runs
/// its chunks one after another on its own thread, with the same chunk bounds, so results do not change.
/// </summary>
internal static class WorkerTeam
{
    private static readonly TimeSpan SpinTime = TimeSpan.FromMilliseconds(0.5);
    private static Worker[] s_workers = [];
    private static int s_busy;

    // The loop being run. The caller writes these before it starts any worker (Interlocked in Start orders them).
    private static Action<int, int>? s_body;
    private static int s_count, s_chunks, s_pending;
    private static ExceptionDispatchInfo? s_error;

    /// <summary>Runs body(start, end) for the <paramref name="chunks"/> contiguous chunks of [0, count); rethrows the
    /// first exception a chunk threw after every chunk has ended.</summary>
    public static void Run(int count, int chunks, Action<int, int> body)
    {
        if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int c = 0; c < chunks; c++) body(Start(count, chunks, c), Start(count, chunks, c + 1));
            return;
        }
        try
        {
            var workers = Workers(chunks - 1);
            (s_body, s_count, s_chunks, s_error) = (body, count, chunks, null);
            Volatile.Write(ref s_pending, chunks - 1);
            for (int w = 0; w < chunks - 1; w++) workers[w].Start();
            RunChunk(0);
            var spin = new SpinWait();
            while (Volatile.Read(ref s_pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
            s_body = null;
            s_error?.Throw();
        }
        finally { Volatile.Write(ref s_busy, 0); }
    }

    private static int Start(int count, int chunks, int chunk) => (int)((long)count * chunk / chunks);

    private static void RunChunk(int chunk)
    {
        try { s_body!(Start(s_count, s_chunks, chunk), Start(s_count, s_chunks, chunk + 1)); }
        catch (Exception e) { Interlocked.CompareExchange(ref s_error, ExceptionDispatchInfo.Capture(e), null); }
    }

    /// <summary>The first <paramref name="needed"/> workers, started on first use (only the team's owner calls this).</summary>
    private static Worker[] Workers(int needed)
    {
        if (s_workers.Length < needed)
            s_workers = [.. s_workers, .. Enumerable.Range(s_workers.Length + 1, needed - s_workers.Length).Select(c => new Worker(c))];
        return s_workers;
    }

    /// <summary>One thread that runs chunk <c>_chunk</c> of each loop it is started for.</summary>
    private sealed class Worker
    {
        private readonly int _chunk;
        private readonly SemaphoreSlim _wake = new(0);
        private int _generation, _sleeping;

        public Worker(int chunk)
        {
            _chunk = chunk;
            new Thread(Loop) { IsBackground = true, Name = $"snn worker {chunk}" }.Start();
        }

        public void Start()
        {
            Interlocked.Increment(ref _generation);
            // Only a worker that said it sleeps is woken; the exchange makes sure exactly one side acts on it.
            if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1) _wake.Release();
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                WaitForStart(seen);
                seen++;
                RunChunk(_chunk);
                Interlocked.Decrement(ref s_pending);
            }
        }

        private void WaitForStart(int seen)
        {
            long spinUntil = Stopwatch.GetTimestamp() + (long)(SpinTime.TotalSeconds * Stopwatch.Frequency);
            var spin = new SpinWait();
            while (Volatile.Read(ref _generation) == seen)
            {
                if (Stopwatch.GetTimestamp() < spinUntil) { spin.SpinOnce(sleep1Threshold: -1); continue; }
                Interlocked.Exchange(ref _sleeping, 1);
                // Started between the check and the flag: if Start already took the flag, its Release is ours to take.
                if (Volatile.Read(ref _generation) != seen && Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1) return;
                _wake.Wait();
            }
        }
    }
}
