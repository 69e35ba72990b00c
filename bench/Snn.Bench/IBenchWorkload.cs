// The extension point of the benchmark suite: one named workload that measures one or more figures.
namespace Snn.Bench;

/// <summary>
/// One measured row: <paramref name="Label"/> matches the peer's <c>workload</c> field. <paramref name="BytesPerStep"/>
/// is the managed allocation of one step; <paramref name="Unavailable"/> says why nothing was measured (then the
/// times are 0), for example a zoo model that this build does not have yet. <paramref name="Timing"/> holds what the
/// runner measured besides the median: one-thread time, scaling, the host probe's scale, the peer's figures.
/// </summary>
public sealed record BenchFigure(string Label, double Milliseconds, double Flops, double? BytesPerStep = null, string? Unavailable = null,
    BenchTiming? Timing = null)
{
    public double GigaflopsPerSecond => Milliseconds > 0 ? Flops / Milliseconds / 1e6 : 0;

    public static BenchFigure Of(string label, BenchTiming timing, double flops = 0, bool withBytes = false) =>
        new(label, timing.Milliseconds, flops, withBytes ? timing.BytesPerRun : null, Timing: timing);

    public static BenchFigure Missing(string label, string why) => new(label, 0, 0, Unavailable: why);
}

/// <summary>
/// A benchmark workload. <see cref="Name"/> is what users type (<c>snn bench --workload gemm</c>) and what
/// <c>torch_bench.py --workload</c> receives; <see cref="Measure"/> returns one figure per shape it times, each
/// timed by <c>runner.Measure(label, body)</c>, which sets the thread count and times the peer's run of the same
/// label beside each of ours.
/// </summary>
public interface IBenchWorkload
{
    string Name { get; }

    /// <summary>True when torch_bench.py measures the same figures (matched by label).</summary>
    bool HasTorchPeer { get; }

    IReadOnlyList<BenchFigure> Measure(BenchRunner runner);
}
