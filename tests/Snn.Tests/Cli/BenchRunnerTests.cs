// The benchmark runner sets the thread count itself, pairs a 1-thread run with each N-thread run for scaling, and
// times the peer's runs of the same figure beside ours.
using Snn.Bench;
using Snn.Tests.Kernels;

namespace Snn.Tests.Cli;

[Collection(ThreadCountCollection.Name)]
public class BenchRunnerTests
{
    // No warm-up (the limit is 0 s), and one untimed run before each timed one where runs alternate.
    private static BenchRunner Runner(bool scaling) =>
        new(WarmUp: 0, Repetitions: 5, WarmUpSeconds: 0, WarmUpLimitSeconds: 0, Threads: 2, Scaling: scaling, RewarmSeconds: 0);

    [Fact]
    public void WithScaling_EachRepetitionRunsBothThreadCountsBackToBack_AlternatingWhichGoesFirst_EachAfterAnUntimedRun()
    {
        using var threadCount = ThreadCount.Set(3);
        var seen = new List<int>();
        var timing = Runner(scaling: true).Measure("figure", () => seen.Add(Parallelism.Threads));
        Assert.Equal([2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1], seen);
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
        var timing = Runner(scaling: false).Measure("figure", () => seen.Add(Parallelism.Threads));
        Assert.Equal([2, 2, 2, 2, 2], seen);
        Assert.Null(timing.OneThreadMilliseconds);
        Assert.Null(timing.Scaling);
        Assert.Null(timing.HostScaling);
        Assert.Equal(3, Parallelism.Threads);
    }

    [Fact]
    public void WithAPeer_ItsRunsOfTheSameFigureSitBesideOurs_EachOfOursAfterAnUntimedOne_AndItsRatiosArePairwise()
    {
        using var threadCount = ThreadCount.Set(3);
        var seen = new List<string>();
        // The peer takes 10 ms at two threads and 30 ms at one: its scale is 3 whatever the host does.
        PeerTimer peer = (label, threads) =>
        {
            seen.Add($"peer {label} {threads}");
            return threads == 2 ? 10 : 30;
        };
        var timing = (Runner(scaling: true) with { Repetitions = 4, Peer = peer }).Measure("gemm", () => seen.Add($"ours {Parallelism.Threads}"));
        Assert.Equal([
            "ours 2", "ours 2", "ours 1", "ours 1", "peer gemm 2", "peer gemm 1",
            "peer gemm 1", "peer gemm 2", "ours 1", "ours 1", "ours 2", "ours 2",
            "ours 2", "ours 2", "ours 1", "ours 1", "peer gemm 2", "peer gemm 1",
            "peer gemm 1", "peer gemm 2", "ours 1", "ours 1", "ours 2", "ours 2"], seen);
        Assert.Equal(10, timing.PeerMilliseconds);
        Assert.Equal(30, timing.PeerOneThreadMilliseconds);
        Assert.Equal(3, timing.PeerScaling);
        Assert.True(timing.PeerRatio > 1, "a body that only appends to a list is faster than 10 ms");
    }

    [Fact]
    public void AShortFigure_GetsMoreRepetitions_UpToTheCap()
    {
        var quick = new BenchRunner(WarmUp: 3, Repetitions: 5, WarmUpSeconds: 0, WarmUpLimitSeconds: 10, Threads: 1);
        int calls = 0;
        var timing = quick.Measure("figure", () => calls++);
        Assert.Equal(BenchRunner.MaxRepetitionFactor * 5, timing.Repetitions);
        Assert.Equal(3 + timing.Repetitions, calls);
        Assert.Equal(5, (quick with { MinimumSeconds = 0 }).Measure("figure", () => { }).Repetitions);
    }

    [Fact]
    public void APeerThatStopsAnswering_IsNotAskedAgain_AndReportsNoFigures()
    {
        int calls = 0;
        PeerTimer peer = (_, _) => ++calls == 1 ? 5 : null;
        var timing = (Runner(scaling: false) with { Peer = peer }).Measure("figure", () => { });
        Assert.Equal(2, calls);
        Assert.Null(timing.PeerMilliseconds);
        Assert.Null(timing.PeerRatio);
    }

    [Fact]
    public void WithoutALabel_ThePeerIsNotAsked()
    {
        PeerTimer peer = (_, _) => throw new InvalidOperationException("asked");
        var timing = (Runner(scaling: false) with { Peer = peer }).Measure(null, () => { });
        Assert.Null(timing.PeerMilliseconds);
    }
}
