// Spikformer attention for inference: how the threads take its (image, head) pairs.
namespace Snn.Tests.Transformers;

public class AttentionKernelTests
{
    [Fact]
    public void Pairs_AreNumberedSampleBySample_CoveringEveryImageAndHeadOnce()
    {
        // 3 steps of 2 samples (image t·2 + n), 2 heads: sample 0's images 0, 2, 4 come first, each step's heads in turn.
        var pairs = Enumerable.Range(0, 12).Select(p => Snn.Kernels.SpikingSelfAttentionKernel.Pair(p, heads: 2, steps: 3, batch: 6)).ToArray();
        Assert.Equal([(0, 0), (0, 1), (2, 0), (2, 1), (4, 0), (4, 1)], pairs[..6]);
        Assert.Equal(12, pairs.Distinct().Count());
        Assert.All(pairs, p => Assert.InRange(p.image, 0, 5));
    }

    [Fact]
    public void Forward_RejectsImagesThatAreNotWholeSamplesAtEveryStep()
    {
        var error = Assert.Throws<ArgumentException>(() => Snn.Kernels.SpikingSelfAttentionKernel.Forward(
            new float[6 * 4 * 8], new float[6 * 4 * 8], new float[6 * 4 * 8], 6, 4, 8, 2, 0.125f, new float[6 * 4 * 8], steps: 4));
        Assert.Contains("6 images are not 4 steps", error.Message);
    }
}
