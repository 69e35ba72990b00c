// Augmentation moves pixels by at most the allowed shift, mirrors exactly, and is reproducible per (seed, epoch).
using Snn.Layers.Data;

namespace Snn.Tests.Data;

public class AugmentationTests
{
    [Fact]
    public void FlipOnly_GivesTheImageOrItsMirror()
    {
        var image = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();      // [1, 3, 4]
        var mirror = new float[] { 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8 };
        var rng = new Rng(1);
        bool sawFlip = false, sawSame = false;
        for (int trial = 0; trial < 20; trial++)
        {
            var x = (float[])image.Clone();
            new Augmentation(FlipHorizontal: true, MaxShift: 0).Apply(x, 1, 3, 4, rng, new float[12]);
            if (x.SequenceEqual(mirror)) sawFlip = true;
            else { Assert.Equal(image, x); sawSame = true; }
        }
        Assert.True(sawFlip && sawSame);
    }

    [Fact]
    public void Shift_MovesAPixelByAtMostMaxShift()
    {
        var rng = new Rng(2);
        for (int trial = 0; trial < 50; trial++)
        {
            var x = new float[8 * 8];
            x[3 * 8 + 4] = 1f;
            new Augmentation(FlipHorizontal: false, MaxShift: 2).Apply(x, 1, 8, 8, rng, new float[64]);
            int at = Array.IndexOf(x, 1f);
            Assert.True(at >= 0, "a pixel 3 from the border must stay inside after a shift of ≤ 2");
            Assert.InRange(at / 8 - 3, -2, 2);
            Assert.InRange(at % 8 - 4, -2, 2);
            Assert.Equal(1f, x.Sum());
        }
    }

    [Fact]
    public void Loader_WithAugmentation_IsReproducible_AndKeepsTheBatchOrder()
    {
        var data = FashionMnist.LoadShippedSubset().Test;
        Tensor First(Augmentation? a) => new DataLoader(data, 16, shuffle: true, seed: 5, a).Epoch(2).First().Images;
        var a1 = new DataLoader(data, 16, true, 5, new Augmentation()).Epoch(2).First();
        var plain = new DataLoader(data, 16, true, 5).Epoch(2).First();
        Assert.Equal(plain.Labels, a1.Labels);
        Assert.Equal(First(new Augmentation()).ToArray(), a1.Images.ToArray());
        Assert.NotEqual(plain.Images.ToArray(), a1.Images.ToArray());
    }
}
