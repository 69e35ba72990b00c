// Tests that change the process-wide Parallelism.Threads run alone, so they cannot change another test's thread count.
namespace Snn.Tests.Kernels;

/// <summary>
/// Kernel results are reproducible for a given thread count, and the training tests check exactly that; a test
/// running beside them that sets <see cref="Parallelism.Threads"/> would change their count mid-run.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadCountCollection
{
    public const string Name = "changes Parallelism.Threads";
}

/// <summary>Sets <see cref="Parallelism.Threads"/> for one test and restores it on dispose: <c>using var _ = ThreadCount.Set(3);</c></summary>
public sealed class ThreadCount : IDisposable
{
    private readonly int _saved = Parallelism.Threads;

    private ThreadCount(int threads) => Parallelism.Threads = threads;

    public static ThreadCount Set(int threads) => new(threads);

    public void Dispose() => Parallelism.Threads = _saved;
}
