// Ops.SumAll: the blocked parallel sum gives one answer at every thread count, exact on spikes.
namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class SumAllTests
{
    [Fact]
    public void SumAll_IsTheSameAtEveryThreadCount_AndCloseToASerialDoubleSum()
    {
        var random = new Random(5);
        var x = new Tensor(Enumerable.Range(0, 1_000_003).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), 1_000_003);
        double serial = x.ToArray().Sum(v => (double)v);
        var sums = new[] { 1, 2, 3 }.Select(threads =>
        {
            using var threadCount = ThreadCount.Set(threads);
            return Ops.SumAll(x);
        }).ToArray();
        Assert.All(sums, s => Assert.Equal(sums[0], s));
        Assert.Equal(serial, sums[0], 1e-9);
    }

    [Fact]
    public void SumAll_CountsSpikesExactly_AcrossBlocks()
    {
        using var threadCount = ThreadCount.Set(2);
        var random = new Random(6);
        var spikes = Enumerable.Range(0, 4 * 65_536 + 17).Select(_ => random.Next(5) == 0 ? 1f : 0f).ToArray();
        Assert.Equal(spikes.Count(s => s == 1f), Ops.SumAll(new Tensor(spikes, spikes.Length)));
    }
}
