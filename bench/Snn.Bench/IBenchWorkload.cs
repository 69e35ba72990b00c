// The extension point of the benchmark suite: one named workload that measures one or more figures.
namespace Snn.Bench;

/// <summary>One measured row: <paramref name="Label"/> matches the peer's <c>workload</c> field.</summary>
public sealed record BenchFigure(string Label, double Milliseconds, double Flops)
{
    public double GigaflopsPerSecond => Milliseconds > 0 ? Flops / Milliseconds / 1e6 : 0;
}

/// <summary>
/// A benchmark workload. <see cref="Name"/> is what users type (<c>snn bench gemm</c>) and what
/// <c>torch_bench.py --workload</c> receives; <see cref="Measure"/> returns one figure per shape it times.
/// </summary>
public interface IBenchWorkload
{
    string Name { get; }

    /// <summary>True when torch_bench.py measures the same figures (matched by label).</summary>
    bool HasTorchPeer { get; }

    IReadOnlyList<BenchFigure> Measure(int threads, BenchRunner runner);
}
