// Argmax and top-k: fast kernel against the reference, and the ranking rules (ties, NaN, signed zero) spelled out.
using Snn.Kernels;

namespace Snn.Tests.Kernels;

public class TopKKernelTests
{
    /// <summary>Values from a small set so rows are full of ties, with NaN and both zeros.</summary>
    private static float[] Input(int length, int seed)
    {
        var random = new Random(seed);
        float[] pool = [-1f, 0f, -0f, 2f, 2f, 5f, float.NegativeInfinity, float.NaN];
        return Enumerable.Range(0, length).Select(_ => random.Next(4) == 0 ? pool[random.Next(pool.Length)] : (float)random.NextDouble()).ToArray();
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(9, 17, 1)]
    [InlineData(9, 17, 5)]
    [InlineData(4, 17, 17)]
    [InlineData(3, 200, 64)]
    [InlineData(3, 200, 65)]
    [InlineData(3, 200, 200)]
    public void TopK_EqualsReference_OnBothPaths(int rows, int columns, int k)
    {
        float[] x = Input(rows * columns, columns + k);
        var (want, wantIdx, got, gotIdx) = (new float[rows * k], new int[rows * k], new float[rows * k], new int[rows * k]);
        TopKReference.TopK(x, columns, k, want, wantIdx);
        TopKKernel.TopK(x, columns, k, got, gotIdx);
        Assert.Equal(wantIdx, gotIdx);
        Assert.Equal(want, got);
    }

    [Fact]
    public void ArgMax_EqualsReference()
    {
        float[] x = Input(50 * 33, 1);
        var (want, got) = (new int[50], new int[50]);
        TopKReference.ArgMax(x, 33, want);
        TopKKernel.ArgMax(x, 33, got);
        Assert.Equal(want, got);
    }

    [Fact]
    public void Ranking_PutsNaNFirst_PositiveZeroAboveNegative_AndTiesByIndex()
    {
        float[] x = [1f, float.NaN, 3f, 3f, -0f, 0f];
        var (values, indices, argmax) = (new float[6], new int[6], new int[1]);
        TopKKernel.TopK(x, 6, 6, values, indices);
        TopKKernel.ArgMax(x, 6, argmax);
        Assert.Equal(new[] { 1, 2, 3, 0, 5, 4 }, indices);
        Assert.Equal(1, argmax[0]);
        var rows = new int[2];
        TopKKernel.ArgMax(new float[] { 2f, 7f, 7f, -0f, 0f, 0f }, 3, rows);
        Assert.Equal(new[] { 1, 1 }, rows);
    }

    [Fact]
    public void TopK_ThrowsWhenKExceedsColumns()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TopKKernel.TopK(new float[6], 3, 4, new float[8], new int[8]));
    }
}
