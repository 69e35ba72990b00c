// The threads behind Parallelism.For: a fixed team that claims the chunks of one loop at a time, no thread-pool hops.
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Snn;

/// <summary>
/// Runs the chunks of one parallel loop on the caller and up to <see cref="Parallelism.Threads"/> − 1 workers.
/// Why not Parallel.For: on a two-core machine the thread pool kept four workers taking turns at the chunks and
/// spinning for work, competing with the two threads doing it (the csnn training step at two threads varied
/// 68–104 ms between runs), and every call allocated tasks. Kernels come in quick succession, so a worker spins for
/// <see cref="SpinTime"/> after a loop before it sleeps: waking a sleeping worker took long enough on these VMs to
/// matter (see <see cref="SpinTime"/>). It sleeps at once when its wait finds that another thread held its core
/// (see <see cref="Preempted"/>).
/// Chunks are claimed, not assigned: the caller takes unclaimed chunks from the front, the workers from the back,
/// until none is left. A worker that the OS has not scheduled yet (another process holds the core, or it is still
/// waking) no longer holds up the loop: the caller takes its chunks. Chunk bounds never depend on who runs a chunk,
/// so results do not change. Why two ends: see <see cref="RunChunks"/>.
/// One loop at a time: a loop started while the team is busy (a loop inside a chunk, or another thread's loop) runs
/// its chunks one after another on its own thread, with the same chunk bounds.
/// </summary>
internal static class WorkerTeam
{
    /// <summary>
    /// How long an idle worker spins before it sleeps. Serial stretches between loops (autograd bookkeeping, narrow
    /// layers, batch assembly) often outlast 0.5 ms, and a loop that finds its worker asleep runs its first chunks
    /// without it: with 0.5 ms, Spikformer's inference batch scaled 1.48–1.53 on two threads and with 5 ms 1.73–1.74,
    /// the 512³ GEMM 1.43–1.95 against 1.93–2.02 with 20 ms (2-vCPU VM, paired 1- and 2-thread runs).
    /// OpenMP runtimes make the same trade (Intel's blocks after 200 ms). The cost: up to 5 ms of one core after the
    /// program's last loop.
    /// </summary>
    private static readonly TimeSpan SpinTime = TimeSpan.FromMilliseconds(5);
    private static Worker[] s_workers = [];
    private static int s_busy, s_loop;

    // The loop being run. The caller writes these before it publishes s_claim (an interlocked write orders them).
    private static Action<int, int>? s_body;
    private static int s_count, s_chunks, s_done;
    private static ExceptionDispatchInfo? s_error;

    // (loop number << 32) | (first unclaimed chunk << 16) | end of the unclaimed chunks. A claim is a compare-exchange
    // of the whole word, which holds all a claim reads, so a worker that wakes after its loop has ended cannot take a
    // chunk of the next loop (its word has changed), and one that reads the ended loop's word finds nothing left.
    private static long s_claim;

    /// <summary>The most chunks a loop may have: each end of the unclaimed range has 16 bits of the claim word.</summary>
    internal const int MaxChunks = ushort.MaxValue;

    /// <summary>Runs body(start, end) for the <paramref name="chunks"/> contiguous chunks of [0, count); rethrows the
    /// first exception a chunk threw after every chunk has ended.</summary>
    public static void Run(int count, int chunks, Action<int, int> body)
    {
        if (chunks > MaxChunks) throw new ArgumentOutOfRangeException(nameof(chunks), $"WorkerTeam: {chunks} chunks; at most {MaxChunks}.");
        if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int c = 0; c < chunks; c++) body(Start(count, chunks, c), Start(count, chunks, c + 1));
            return;
        }
        try
        {
            int helpers = Math.Min(chunks, Parallelism.Threads) - 1;
            var workers = Workers(helpers);
            (s_body, s_count, s_chunks, s_done, s_error) = (body, count, chunks, 0, null);
            // Loop numbers wrap around; 0 is what a worker that never ran has seen, so it is skipped.
            int loop = unchecked(++s_loop) is 0 ? ++s_loop : s_loop;
            Interlocked.Exchange(ref s_claim, ((long)loop << 32) | (uint)chunks);
            for (int w = 0; w < helpers; w++) workers[w].Start(loop);
            RunChunks(loop, fromBack: false);
            var wait = new Wait();
            // Every chunk has been claimed (the word's two ends have met) and has ended.
            while (Volatile.Read(ref s_done) != chunks) wait.Once();
            s_body = null;
            s_error?.Throw();
        }
        finally { Volatile.Write(ref s_busy, 0); }
    }

    /// <summary>
    /// A wait for the other threads: a pause instruction per step, never a yield, while every thread has a core of its
    /// own. SpinWait.SpinOnce yields (sched_yield, Sleep(0)) after its first ten spins, and on this 2-vCPU KVM guest a
    /// waiting thread that yields cost the loops after it their second thread: back-to-back loops of 150–1000 µs,
    /// paired 1-/2-thread medians, yielding → pause: LIF forward over 4×200,704 neurons 1.09 → 1.56, a 3.2 MB
    /// elementwise add 0.66 → 1.60, the sparse linear product on Spikformer's shape (as it then split its rows)
    /// 1.06 → 1.74; 100 µs of pure arithmetic split in 32 chunks 1.21 → 1.91. With more threads than cores a waiting
    /// thread may hold the core that the thread it waits for needs, so it yields then, as before; and so it does once
    /// a step of the wait has taken <see cref="Preempted"/> (see there).
    /// </summary>
    internal struct Wait()
    {
        private SpinWait _spin;
        private long _last = Stopwatch.GetTimestamp();
        private bool _yield = Parallelism.Threads > Environment.ProcessorCount;

        /// <summary>One step; false once it has seen the thread preempted (<see cref="Preempted"/>).</summary>
        public bool Once()
        {
            long now = Stopwatch.GetTimestamp();
            bool preempted = now - _last > Preempted;
            _last = now;
            _yield |= preempted;
            if (_yield) _spin.SpinOnce(sleep1Threshold: -1);
            else Thread.SpinWait(1);
            return !preempted;
        }
    }

    /// <summary>
    /// A step of a wait that took this long means another thread ran on this core meanwhile. On this 2-vCPU guest
    /// that was often the other half of the team: Linux moved the caller onto the worker's core and left the other
    /// one idle (sched_getcpu in each chunk: in 99 of 1,150 loops of a harness the two shared a core, and each thread
    /// was switched out involuntarily about 100 times a second), and there the two took turns, each spinning through
    /// the other's time slice. So a waiting caller yields its core from then on, and an idle worker sleeps: the next
    /// loop's wake-up lets the scheduler put it on an idle core. Interrupts take tens of microseconds; a time slice is
    /// milliseconds. Paired A/B against spinning on, alternating builds, three runs each (scale at two threads):
    /// Spikformer inference 1.83 / 1.76 / 1.68 → 1.90 / 1.85 / 1.76, csnn inference 1.37 / 1.52 / 1.59 →
    /// 1.47 / 1.86 / 1.82; LIF 2.02 / 1.63 / 1.74 → 1.90 / 1.60 / 1.97; training steps, two each, within the noise.
    /// </summary>
    private static readonly long Preempted = Stopwatch.Frequency / 2000;   // 0.5 ms

    private static int Start(int count, int chunks, int chunk) => (int)((long)count * chunk / chunks);

    /// <summary>
    /// Claims and runs chunks of loop <paramref name="loop"/> until none is left or a later loop has begun: the first
    /// unclaimed chunk, or with <paramref name="fromBack"/> the last. The caller takes the front and the workers the
    /// back, so on two threads each keeps the same end of the data from one loop to the next, and reads from its own
    /// cache what it wrote in the loop before (a layer's output, split as the next layer splits its input). Taken in
    /// one order by both, chunks went to either thread at random, so about half of each loop's input could have been
    /// written by the other core. csnn inference batch on two threads, three paired runs each: 2.36–2.49 → 2.25–2.35 ms.
    /// </summary>
    private static void RunChunks(int loop, bool fromBack)
    {
        while (true)
        {
            long claim = Volatile.Read(ref s_claim);
            int front = (int)(claim >> 16) & 0xFFFF, end = (int)claim & 0xFFFF;
            if ((int)(claim >> 32) != loop || front >= end) return;
            int chunk = fromBack ? end - 1 : front;
            if (Interlocked.CompareExchange(ref s_claim, fromBack ? claim - 1 : claim + (1L << 16), claim) != claim) continue;
            // Claimed: the loop cannot end before this chunk does, so the fields are still this loop's.
            try { s_body!(Start(s_count, s_chunks, chunk), Start(s_count, s_chunks, chunk + 1)); }
            catch (Exception e) { Interlocked.CompareExchange(ref s_error, ExceptionDispatchInfo.Capture(e), null); }
            Interlocked.Increment(ref s_done);
        }
    }

    /// <summary>The first <paramref name="needed"/> workers, started on first use (only the team's owner calls this).</summary>
    private static Worker[] Workers(int needed)
    {
        if (s_workers.Length < needed)
            s_workers = [.. s_workers, .. Enumerable.Range(s_workers.Length + 1, needed - s_workers.Length).Select(c => new Worker(c))];
        return s_workers;
    }

    /// <summary>One thread that joins each loop it is started for, as soon as the OS runs it.</summary>
    private sealed class Worker
    {
        private readonly SemaphoreSlim _wake = new(0);
        private int _loop, _sleeping;

        public Worker(int index) => new Thread(Loop) { IsBackground = true, Name = $"snn worker {index}" }.Start();

        public void Start(int loop)
        {
            Interlocked.Exchange(ref _loop, loop);
            // Only a worker that said it sleeps is woken; the exchange makes sure exactly one side acts on it.
            if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1) _wake.Release();
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                seen = WaitForStart(seen);
                RunChunks(seen, fromBack: true);
            }
        }

        /// <summary>Waits until started for a loop other than <paramref name="seen"/>; returns the newest such loop.</summary>
        private int WaitForStart(int seen)
        {
            long spinUntil = Stopwatch.GetTimestamp() + (long)(SpinTime.TotalSeconds * Stopwatch.Frequency);
            var wait = new Wait();
            while (Volatile.Read(ref _loop) == seen)
            {
                if (Stopwatch.GetTimestamp() < spinUntil && wait.Once()) continue;
                Interlocked.Exchange(ref _sleeping, 1);
                // Started between the check and the flag: if Start already took the flag, its Release is ours to take.
                if (Volatile.Read(ref _loop) != seen && Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1) break;
                _wake.Wait();
            }
            return Volatile.Read(ref _loop);
        }
    }
}
