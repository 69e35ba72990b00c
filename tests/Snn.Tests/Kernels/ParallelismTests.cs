// Parallelism.For covers every index once, in the documented chunks, from any thread, nested or not, and reports errors.
namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class ParallelismTests
{
    private static List<(int Start, int End)> Chunks(int count, int minPerChunk)
    {
        var seen = new List<(int, int)>();
        Parallelism.For(count, minPerChunk, (s, e) => { lock (seen) seen.Add((s, e)); });
        return [.. seen.OrderBy(c => c.Item1)];
    }

    /// <summary>
    /// The documented chunk count: each of at least minPerChunk indices; one on one thread; fewer than the threads
    /// when work is scarce; else a multiple of the threads, at most ChunksPerThread per thread.
    /// </summary>
    private static int ExpectedChunks(int threads, int count, int minPerChunk)
    {
        int most = Math.Max(1, count / minPerChunk);
        return threads == 1 || most <= threads ? Math.Min(threads, most) : Math.Min(most / threads, Parallelism.ChunksPerThread) * threads;
    }

    [Theory]
    [InlineData(3, 10, 1)]
    [InlineData(3, 10, 4)]
    [InlineData(4, 7, 1)]
    [InlineData(2, 1000, 400)]
    [InlineData(2, 1000, 1)]
    [InlineData(2, 7, 1)]
    [InlineData(1, 1000, 1)]
    public void For_SplitsIntoContiguousChunks_OfTheDocumentedBounds(int threads, int count, int minPerChunk)
    {
        using var threadCount = ThreadCount.Set(threads);
        int chunks = ExpectedChunks(threads, count, minPerChunk);
        var expected = Enumerable.Range(0, chunks).Select(c => (count * c / chunks, count * (c + 1) / chunks));
        Assert.Equal(expected, Chunks(count, minPerChunk));
    }

    [Theory]
    [InlineData(2, 5, 1, 2)]      // an odd count still gives every thread a chunk
    [InlineData(2, 1000, 1, 2)]
    [InlineData(3, 1000, 400, 2)] // scarce work: fewer chunks than threads
    [InlineData(1, 1000, 1, 1)]
    public void Chunks_AtOnePerThread_GiveEachThreadAtMostOne(int threads, int count, int minPerChunk, int expected)
    {
        Assert.Equal(expected, Parallelism.Chunks(count, minPerChunk, threads, chunksPerThread: 1));
        using var threadCount = ThreadCount.Set(threads);
        int calls = 0;
        Parallelism.For(count, minPerChunk, chunksPerThread: 1, (_, _) => Interlocked.Increment(ref calls));
        Assert.Equal(expected, calls);
    }

    [Fact]
    public void For_WithMoreChunksThanThreads_RunsThemOnAtMostThatManyThreads()
    {
        using var threadCount = ThreadCount.Set(2);
        var threads = new HashSet<int>();
        int calls = 0;
        Parallelism.For(1000, 1, (_, _) =>
        {
            Interlocked.Increment(ref calls);
            lock (threads) threads.Add(Environment.CurrentManagedThreadId);
        });
        Assert.Equal(2 * Parallelism.ChunksPerThread, calls);
        Assert.InRange(threads.Count, 1, 2);
    }

    [Fact]
    public void For_NestedAndFromManyThreads_CoversEveryIndexOnce()
    {
        using var threadCount = ThreadCount.Set(3);
        var hits = new int[8][];
        Parallel.For(0, hits.Length, caller =>
        {
            hits[caller] = new int[600];
            for (int repeat = 0; repeat < 50; repeat++)
                Parallelism.For(6, 1, (o0, o1) =>
                {
                    for (int o = o0; o < o1; o++)
                        Parallelism.For(100, 1, (i0, i1) => { for (int i = i0; i < i1; i++) Interlocked.Increment(ref hits[caller][o * 100 + i]); });
                });
        });
        Assert.All(hits, h => Assert.All(h, count => Assert.Equal(50, count)));
    }

    [Fact]
    public void For_ManyShortLoopsInARow_RunEachChunkOnceWithItsOwnLoopsBounds()
    {
        // Workers join loops late or not at all (chunks are claimed); a late one must not run a chunk of the next loop
        // with the previous loop's body or bounds.
        using var threadCount = ThreadCount.Set(3);
        for (int loop = 0; loop < 20_000; loop++)
        {
            int count = 1 + loop % 7, calls = 0, covered = 0;
            Parallelism.For(count, 1, (s, e) =>
            {
                Interlocked.Increment(ref calls);
                Interlocked.Add(ref covered, e - s);
            });
            Assert.Equal(ExpectedChunks(3, count, 1), calls);
            Assert.Equal(count, covered);
        }
    }

    [Fact]
    public void For_RethrowsAChunksException_AfterEveryChunkEnded()
    {
        using var threadCount = ThreadCount.Set(2);
        int finished = 0;
        var error = Assert.Throws<InvalidOperationException>(() => Parallelism.For(2, 1, (s, _) =>
        {
            if (s == 1) throw new InvalidOperationException("chunk 1 failed");
            Thread.Sleep(20);
            Interlocked.Increment(ref finished);
        }));
        Assert.Equal("chunk 1 failed", error.Message);
        Assert.Equal(1, finished);
        Assert.Equal(1, Chunks(2, 1)[1].Start);   // the team still works after a failure
    }

    /// <summary>A wait notices that its thread did not run for a while (another thread had its core): the step after a
    /// 5 ms sleep says so, the steps of a tight loop (mostly) do not.</summary>
    [Fact]
    public void Wait_SaysSo_WhenItsThreadWasOffItsCore()
    {
        var wait = new WorkerTeam.Wait();
        // A busy test host may take the core away during a step too, so of a tight loop only most steps must pass.
        Assert.Contains(true, Enumerable.Range(0, 100).Select(_ => wait.Once()).ToArray());
        Thread.Sleep(5);
        Assert.False(wait.Once());
        Assert.Contains(true, Enumerable.Range(0, 100).Select(_ => wait.Once()).ToArray());
    }

    /// <summary>Loops with serial stretches between them long enough to put the worker to sleep, or to look like a
    /// preemption to it, still run every chunk once.</summary>
    [Fact]
    public void For_AfterSerialStretches_RunsEveryChunkOnce()
    {
        using var threadCount = ThreadCount.Set(2);
        foreach (int pause in new[] { 0, 1, 2, 8 })
        {
            var runs = new int[64];
            Parallelism.For(64, 1, (s, e) => { for (int i = s; i < e; i++) Interlocked.Increment(ref runs[i]); });
            Assert.All(runs, r => Assert.Equal(1, r));
            Thread.Sleep(pause);
        }
    }

    [Fact]
    public void For_CallerTakesChunksFromTheFront_WorkerFromTheBack()
    {
        using var threadCount = ThreadCount.Set(2);
        int caller = Environment.CurrentManagedThreadId;
        for (int loop = 0; loop < 200; loop++)
        {
            var ran = new int[32];
            Parallelism.For(32 * 1000, 1000, (s, _) =>
            {
                ran[s / 1000] = Environment.CurrentManagedThreadId;
                Thread.SpinWait(200);
            });
            // Whoever ran how many, the caller's chunks are a prefix and the worker's the rest.
            int split = Array.FindIndex(ran, t => t != caller);
            if (split < 0) continue;
            Assert.All(ran[split..], t => Assert.NotEqual(caller, t));
            Assert.All(ran[..split], t => Assert.Equal(caller, t));
        }
    }

    [Fact]
    public void Chunks_NeverExceedWhatTheClaimWordHolds()
    {
        Assert.Equal(WorkerTeam.MaxChunks, Parallelism.Chunks(int.MaxValue, 1, threads: 8192));
        Assert.Equal(WorkerTeam.MaxChunks, Parallelism.Chunks(int.MaxValue, 1, threads: 100_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerTeam.Run(1 << 20, WorkerTeam.MaxChunks + 1, (_, _) => { }));
    }
}
