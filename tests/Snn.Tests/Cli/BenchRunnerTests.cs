// The benchmark runner sets the thread count itself and, for scaling, pairs a 1-thread run with each N-thread run.
using Snn.Bench;
using Snn.Tests.Kernels;

namespace Snn.Tests.Cli;

[Collection(ThreadCountCollection.Name)]
public class BenchRunnerTests
{
    // No warm-up (the limit is 0 s), so every call of the body is a timed repetition.
    private static BenchRunner Runner(bool scaling) =>
        new(WarmUp: 0, Repetitions: 5, WarmUpSeconds: 0, WarmUpLimitSeconds: 0, Threads: 2, Scaling: scaling);

    [Fact]
    public void WithScaling_EachRepetitionRunsBothThreadCountsBackToBack_AlternatingWhichGoesFirst()
    {
        using var threadCount = ThreadCount.Set(3);
        var seen = new List<int>();
        var timing = Runner(scaling: true).Measure(() => seen.Add(Parallelism.Threads));
        Assert.Equal([2, 1, 1, 2, 2, 1, 1, 2, 2, 1], seen);
        Assert.NotNull(timing.OneThreadMilliseconds);
        Assert.NotNull(timing.Scaling);
        Assert.InRange(timing.HostScaling!.Value, 0.1, 10);
        Assert.Equal(3, Parallelism.Threads);
    }

    [Fact]
    public void WithoutScaling_RunsOnlyAtItsThreadCount_AndReportsNoScaling()
    {
        using var threadCount = ThreadCount.Set(3);
        var seen = new List<int>();
        var timing = Runner(scaling: false).Measure(() => seen.Add(Parallelism.Threads));
        Assert.Equal([2, 2, 2, 2, 2], seen);
        Assert.Null(timing.OneThreadMilliseconds);
        Assert.Null(timing.Scaling);
        Assert.Null(timing.HostScaling);
        Assert.Equal(3, Parallelism.Threads);
    }
}
