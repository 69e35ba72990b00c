// The row-wise strided copy (permute → contiguous) against the element-by-element cursor.
namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class StridedCopyTests
{
    [Theory]
    [InlineData(new[] { 4, 3, 49, 64 }, new[] { 0, 1, 3, 2 }, 1)]
    [InlineData(new[] { 4, 3, 49, 64 }, new[] { 0, 1, 3, 2 }, 2)]
    [InlineData(new[] { 2, 64, 7, 4, 16 }, new[] { 0, 1, 3, 2, 4 }, 2)]
    [InlineData(new[] { 3, 1, 5, 1, 2 }, new[] { 4, 2, 0, 3, 1 }, 1)]
    [InlineData(new[] { 8, 300, 40 }, new[] { 2, 0, 1 }, 2)]
    public void Copy_EqualsElementByElementCursor(int[] shape, int[] order, int threads)
    {
        using var threadCount = ThreadCount.Set(threads);
        var random = new Random(shape.Sum());
        var source = new Tensor(Enumerable.Range(0, Tensor.ElementCount(shape)).Select(_ => (float)random.NextDouble()).ToArray(), shape);
        var view = source.Permute(order);
        var fast = Tensor.Zeros(view.ShapeArray());
        var plain = Tensor.Zeros(view.ShapeArray());
        view.CopyTo(fast);
        view.CopyToReference(plain);
        Assert.Equal(plain.ToArray(), fast.ToArray());
        // And back into a strided destination (the transposed view of a fresh tensor).
        var back = Tensor.Zeros(shape);
        fast.CopyTo(back.Permute(order));
        Assert.Equal(source.ToArray(), back.ToArray());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void LongUnitStrideRuns_SplitIntoPieces_CopyEveryElementOnce(int threads)
    {
        using var threadCount = ThreadCount.Set(threads);
        var random = new Random(threads);
        // A plain contiguous copy past the parallel threshold (one run of 300,009 values, not a multiple of a piece),
        // and a time-repeated view (step stride 0, four runs of 70,001 values), as RepeatTime clones it.
        var flat = new Tensor(Enumerable.Range(0, 300_009).Select(_ => (float)random.NextDouble()).ToArray(), 3, 100_003);
        var step = new Tensor(Enumerable.Range(0, 70_001).Select(_ => (float)random.NextDouble()).ToArray(), 70_001);
        var repeated = new Tensor(step.Storage, 0, [4, 70_001], [0, 1]);
        foreach (var view in new[] { flat, repeated })
        {
            var plain = Tensor.Zeros(view.ShapeArray());
            view.CopyToReference(plain);
            Assert.Equal(plain.ToArray(), view.Clone().ToArray());
        }
    }
}
