// The accumulate-only spike convolution against the direct-loop reference, and its determinism across threads.
using Snn.Kernels;

namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class SpikeConv2dKernelTests
{
    internal static float[] Spikes(Random rng, int count, double rate) =>
        Enumerable.Range(0, count).Select(_ => rng.NextDouble() < rate ? 1f : 0f).ToArray();

    internal static float[] Random(Random rng, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    /// <summary>Equal up to float summation order.</summary>
    internal static void AssertClose(float[] want, float[] got, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(MathF.Abs(want[i] - got[i]) <= 1e-4f + 1e-4f * MathF.Abs(want[i]), $"{what}[{i}]: want {want[i]}, got {got[i]}");
    }

    /// <summary>(batch, C, H, W, O, kernel, stride, padding): O below, at and above a vector; strides 1 and 2.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int> Cases() => new()
    {
        { 2, 3, 7, 7, 4, 3, 1, 1 },
        { 3, 2, 9, 8, 5, 3, 2, 0 },
        { 1, 3, 11, 11, 16, 3, 2, 1 },
        { 2, 5, 6, 7, 3, 1, 1, 0 },
        { 5, 16, 14, 14, 33, 3, 1, 1 },
        { 4, 8, 14, 14, 64, 3, 1, 1 },
        { 1, 2, 5, 70, 16, 3, 1, 1 }, // rows wider than one 64-pixel bit block
    };

    [Theory, MemberData(nameof(Cases))]
    public void ForwardAndWeightGradient_MatchReference(int batch, int c, int h, int w, int o, int k, int stride, int padding)
    {
        var g = Conv2dGeometry.Create(batch, c, h, w, o, k, k, stride, padding);
        var rng = new Random(batch * 1000 + c * 100 + h);
        float[] x = Spikes(rng, g.InputLength, 0.2), weight = Random(rng, g.WeightLength), bias = Random(rng, o), dy = Random(rng, g.OutputLength);
        Assert.True(SpikeConv2dKernel.IsSparseSpikes(x));
        var (want, got) = (new float[g.OutputLength], Enumerable.Repeat(float.NaN, g.OutputLength).ToArray());
        Conv2dReference.Forward(x, weight, bias, g, want);
        SpikeConv2dKernel.Forward(x, weight, bias, g, got);
        AssertClose(want, got, "output");

        var (wantGw, gotGw) = (new float[g.WeightLength], Enumerable.Repeat(float.NaN, g.WeightLength).ToArray());
        Conv2dReference.BackwardWeight(x, dy, g, wantGw, new float[o]);
        SpikeConv2dKernel.BackwardWeight(x, dy, g, gotGw);
        AssertClose(wantGw, gotGw, "gradWeight");
    }

    [Fact]
    public void IsSparseSpikes_RejectsAnalogValuesAndDenseSpikes()
    {
        Assert.True(SpikeConv2dKernel.IsSparseSpikes([0f, 1f, 0f, 0f, 0f]));
        Assert.False(SpikeConv2dKernel.IsSparseSpikes([0f, 1f, 0.5f, 0f, 0f]));
        Assert.False(SpikeConv2dKernel.IsSparseSpikes([1f, 1f, 0f, 1f, 0f]));
        Assert.False(SpikeConv2dKernel.IsSparseSpikes([0f, 2f, 0f, 0f, 0f]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void IsSparseSpikes_OnInputsSplitOverThreads_SeesEveryValue(int threads)
    {
        using var threadCount = ThreadCount.Set(threads);
        int n = 300_001;
        var x = new float[n];
        for (int i = 0; i < (int)(n * SpikeConv2dKernel.MaxDensity); i++) x[n - 1 - i] = 1f;   // all ones in the last chunk
        Assert.True(SpikeConv2dKernel.IsSparseSpikes(x));
        x[0] = 1f;                                                                            // one over the density limit
        Assert.False(SpikeConv2dKernel.IsSparseSpikes(x));
        x[0] = 0f;
        x[n / 2] = 0.5f;
        Assert.False(SpikeConv2dKernel.IsSparseSpikes(x));
        x[n / 2] = 0f;
        x[n - 1] = -1f;
        Assert.False(SpikeConv2dKernel.IsSparseSpikes(x));
    }

    [Fact]
    public void WeightGradient_IsBitIdentical_ForAGivenThreadCount_AndForwardForAny()
    {
        var g = Conv2dGeometry.Create(7, 8, 10, 10, 20, 3, 3, 1, 1);
        var rng = new Random(5);
        float[] x = Spikes(rng, g.InputLength, 0.15), weight = Random(rng, g.WeightLength), dy = Random(rng, g.OutputLength);
        float[] Run(int threads, bool forward)
        {
            using var threadCount = ThreadCount.Set(threads);
            var result = new float[forward ? g.OutputLength : g.WeightLength];
            if (forward) SpikeConv2dKernel.Forward(x, weight, default, g, result);
            else SpikeConv2dKernel.BackwardWeight(x, dy, g, result);
            return result;
        }
        Assert.Equal(Run(2, forward: false), Run(2, forward: false));
        Assert.Equal(Run(1, forward: true), Run(2, forward: true));
    }
}
