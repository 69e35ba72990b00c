// Sum over leading dims: the row-wise kernel against the general transpose-then-reduce path, bit for bit.
namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class SumLeadingKernelTests
{
    private static Tensor Random(int seed, params int[] shape)
    {
        var random = new Random(seed);
        var t = Tensor.Zeros(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)(random.NextDouble() * 2 - 1) * (i % 5 == 0 ? 1e4f : 1f);
        return t;
    }

    [Theory]
    [InlineData(1, 3, 7)]
    [InlineData(4, 64, 33)]
    [InlineData(7, 3, 700)]
    [InlineData(9, 2, 1030)]
    [InlineData(3, 1201, 19)]   // 3,603 rows over both dims: 15 row blocks split over threads, the last with a tail
    [InlineData(5, 64, 4097)]   // 320 rows of more columns than a row split takes: two blocks, columns split
    public void SumAndMean_OverLeadingDims_EqualGeneralPath_BitForBit(int timeSteps, int batch, int features)
    {
        var x = Random(timeSteps * 100 + features, timeSteps, batch, features);
        // A permuted (strided) input never takes the leading-dims path, so it computes the general reduction.
        var strided = x.Permute(2, 0, 1);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            using var threadCount = ThreadCount.Set(threads);
            Assert.Equal(Ops.Sum(strided, [1]).Permute(1, 0).ToArray(), Ops.Sum(x, [0]).ToArray());
            Assert.Equal(Ops.Sum(strided, [1, 2]).ToArray(), Ops.Sum(x, [0, 1]).ToArray());
            var mean = Ops.Mean(x, [0], keepDims: true);
            Assert.Equal([1, batch, features], mean.ShapeArray());
            Assert.Equal(Ops.Mean(strided, [1]).Permute(1, 0).ToArray(), mean.ToArray());
        }
        // And both are the sum: against a plain double loop over the rows.
        var all = Ops.Sum(x, [0, 1]).ToArray();
        var values = x.ToArray();
        for (int f = 0; f < features; f++)
        {
            double want = 0;
            for (int r = 0; r < timeSteps * batch; r++) want += values[r * features + f];
            Assert.Equal(want, all[f], Math.Abs(want) * 1e-6 + 1e-3);
        }
    }
}
