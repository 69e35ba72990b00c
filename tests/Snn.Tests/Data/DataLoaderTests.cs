// DataLoader: batch shapes, the kept partial batch, and shuffles that are fixed by (seed, epoch).
using Snn.Layers.Data;

namespace Snn.Tests.Data;

public class DataLoaderTests
{
    /// <summary>N tiny 1×2×2 images whose pixels all equal the image index, labelled index mod 10.</summary>
    private static ImageDataset Numbered(int count)
    {
        var pixels = new float[count * 4];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = i / 4;
        return new ImageDataset(new Tensor(pixels, count, 1, 2, 2), Enumerable.Range(0, count).Select(i => i % 10).ToArray());
    }

    private static int[] ImageIds(IEnumerable<Batch> batches) =>
        batches.SelectMany(b => Enumerable.Range(0, b.Labels.Length).Select(i => (int)b.Images[i, 0, 1, 1])).ToArray();

    [Fact]
    public void Epoch_KeepsLastPartialBatch_AndVisitsEveryImageOnce()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4, shuffle: true, seed: 1);
        var batches = loader.Epoch(0).ToList();

        Assert.Equal(3, loader.BatchCount);
        Assert.Equal([4, 4, 2], batches.Select(b => b.Labels.Length));
        Assert.Equal([2, 1, 2, 2], batches[2].Images.ShapeArray());
        Assert.Equal(Enumerable.Range(0, 10), ImageIds(batches).Order());
        foreach (var b in batches)
            for (int i = 0; i < b.Labels.Length; i++) Assert.Equal((int)b.Images[i, 0, 0, 0] % 10, b.Labels[i]);
    }

    [Fact]
    public void Epoch_OrderDependsOnlyOnSeedAndEpoch()
    {
        var data = Numbered(50);
        var first = new DataLoader(data, 8, seed: 42);
        var second = new DataLoader(data, 8, seed: 42);

        Assert.Equal(ImageIds(first.Epoch(3)), ImageIds(second.Epoch(3)));
        Assert.NotEqual(ImageIds(first.Epoch(3)), ImageIds(first.Epoch(4)));
        Assert.NotEqual(ImageIds(first.Epoch(0)), ImageIds(new DataLoader(data, 8, seed: 43).Epoch(0)));
        Assert.NotEqual(Enumerable.Range(0, 50), ImageIds(first.Epoch(0)));
    }

    [Fact]
    public void Epoch_WithoutShuffle_IsInDatasetOrder()
    {
        var loader = new DataLoader(Numbered(7), 3, shuffle: false);
        Assert.Equal(Enumerable.Range(0, 7), ImageIds(loader.Epoch(5)));
    }

    [Fact]
    public void Epoch_OnRealSubset_GivesFashionMnistShapedBatches()
    {
        var batch = new DataLoader(FashionMnistTests.Subset.Test, 256, seed: 7).Epoch(0).Last();
        Assert.Equal([1000 % 256, 1, 28, 28], batch.Images.ShapeArray());
    }
}
