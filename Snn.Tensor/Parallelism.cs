// The one place that decides how many threads SnnNet's kernels use.
namespace Snn;

/// <summary>
/// Thread budget for all CPU kernels. Set once at the edge of the program (<c>snn --threads N</c>); kernels split
/// work into chunks (<see cref="Chunks"/>). Results never depend on the split (each output element is computed by
/// exactly one chunk with a fixed summation order), so runs are bit-for-bit reproducible for a given thread count.
/// Chunks run on a fixed team of <see cref="Threads"/> threads (<see cref="WorkerTeam"/>), not the thread pool.
/// </summary>
public static class Parallelism
{
    private static int _threads = Environment.ProcessorCount;

    public static int Threads
    {
        get => _threads;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), "Parallelism.Threads must be at least 1.");
            _threads = value;
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over [0, count) in <see cref="Chunks"/> contiguous chunks;
    /// runs inline when one chunk suffices (small work or one thread), so small ops pay no scheduling cost.
    /// <paramref name="minPerChunk"/> keeps chunks large enough to be worth a thread.
    /// </summary>
    public static void For(int count, int minPerChunk, Action<int, int> body) => For(count, minPerChunk, ChunksPerThread, body);

    /// <summary>
    /// As <see cref="For(int, int, Action{int, int})"/> with at most <paramref name="chunksPerThread"/> chunks per
    /// thread: 1 for a kernel whose every chunk repeats some work (a column split that walks all the rows).
    /// </summary>
    internal static void For(int count, int minPerChunk, int chunksPerThread, Action<int, int> body)
    {
        if (count <= 0) return;
        int chunks = Chunks(count, minPerChunk, chunksPerThread: chunksPerThread);
        if (chunks <= 1) { body(0, count); return; }
        WorkerTeam.Run(count, chunks, body);
    }

    /// <summary>
    /// Up to this many chunks per thread when the work allows. Threads claim chunks as they come, so when one thread
    /// is late to a loop or slowed (a VM's vCPU shares its core with the host's other guests), the others take its
    /// share; and the thread that finishes first waits for at most one small chunk at the loop's end. Kernels whose
    /// chunks repeat work (each packs B, or walks all rows) ask for fewer. Two-thread training steps, share of each
    /// rep the caller spent waiting at loop ends, 4 → 16 chunks per thread, two runs each (bench/results/speed.md,
    /// round 9): Spikformer 7.6/6.4% → 3.5/3.1% (worker 7.1/6.8% → 4.3/4.1%, scale 1.70/1.70 → 1.88/1.89), csnn
    /// 4.6/4.7% → 2.9/2.1%. One → four chunks had taken csnn inference's wait from 12.4% to 8.1% (round 8).
    /// </summary>
    internal const int ChunksPerThread = 16;

    /// <summary>
    /// How many chunks <paramref name="count"/> indices are split into on <paramref name="threads"/> threads (default
    /// <see cref="Threads"/>): each of at least <paramref name="minPerChunk"/> indices; one on one thread; fewer than
    /// the threads when work is scarce; otherwise a multiple of the thread count, at most
    /// <paramref name="chunksPerThread"/> (default <see cref="ChunksPerThread"/>) per thread: three equal chunks on two
    /// threads take two chunk times, 2/3 of the loop, where two halves take 1/2. Never more than
    /// <see cref="WorkerTeam.MaxChunks"/>.
    /// </summary>
    internal static int Chunks(int count, int minPerChunk, int threads = 0, int chunksPerThread = ChunksPerThread)
    {
        if (threads <= 0) threads = _threads;
        int most = Math.Max(1, count / Math.Max(1, minPerChunk));
        int chunks = threads == 1 || most <= threads ? Math.Min(most, threads) : Math.Min(most / threads, chunksPerThread) * threads;
        return Math.Min(chunks, WorkerTeam.MaxChunks);
    }
}
