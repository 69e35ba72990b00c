// The spike convolution's register-sum loops against the direct-loop reference, whatever density the dispatch
// would pick them for; and a batch whose images take both paths.
using System.Runtime.Intrinsics;
using Snn.Kernels;
using static Snn.Tests.Kernels.SpikeConv2dKernelTests;

namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public unsafe class PackedSpikeConvTests
{
    /// <summary>[rows, cols] → [cols, rows].</summary>
    private static float[] Transposed(float[] m, int rows, int cols)
    {
        var t = new float[m.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
        return t;
    }

    /// <summary>(C, H, W, O, kernel, stride, padding, rate): one and two words of channel bits, block widths 1–4 and
    /// 4 + 1, borders 0–2, strides 1–2 (the weight gradient's loops take stride 1 only), no spikes and dense spikes.</summary>
    public static TheoryData<int, int, int, int, int, int, int, double> Cases() => new()
    {
        { 3, 7, 7, 16, 3, 1, 1, 0.2 },
        { 70, 6, 6, 32, 3, 1, 1, 0.2 },
        { 4, 9, 9, 48, 5, 1, 2, 0.3 },
        { 6, 8, 8, 80, 3, 1, 0, 0.2 },
        { 5, 7, 9, 64, 1, 1, 0, 0.5 },
        { 3, 12, 13, 32, 3, 2, 1, 0.2 },
        { 32, 14, 14, 64, 3, 1, 1, 0.0 },
        { 8, 5, 70, 16, 3, 1, 1, 1.0 },
    };

    [Theory, MemberData(nameof(Cases))]
    public void ForwardAndWeightGradient_MatchReference(int c, int h, int w, int o, int k, int stride, int padding, double rate)
    {
        var g = Conv2dGeometry.Create(1, c, h, w, o, k, k, stride, padding);
        if (!PackedSpikeConv.Fits(g)) { Assert.False(Vector512.IsHardwareAccelerated); return; }
        var rng = new Random(c * 100 + o);
        float[] x = Spikes(rng, g.InputLength, rate), weight = Random(rng, g.WeightLength), dy = Random(rng, g.OutputLength);
        float[] weightRows = Transposed(weight, o, g.PatchSize);

        var want = new float[g.OutputLength];
        Conv2dReference.Forward(x, weight, new float[o], g, want);
        var pixels = Enumerable.Repeat(float.NaN, g.OutputLength).ToArray();
        var grid = new ulong[PackedSpikeConv.GridPixels(g) * PackedSpikeConv.Words(g)];
        fixed (float* xp = x, wp = weightRows, pp = pixels)
        fixed (ulong* gp = grid)
        {
            PackedSpikeConv.Pack(xp, g, gp);
            PackedSpikeConv.Forward(gp, g, wp, pp);
        }
        AssertClose(want, Transposed(pixels, g.OutPixels, o), "output");

        if (!PackedSpikeConv.FitsWeightGradient(g)) { Assert.NotEqual(1, stride); return; }
        var wantGw = new float[g.WeightLength];
        Conv2dReference.BackwardWeight(x, dy, g, wantGw, new float[o]);
        float[] gradPixels = Transposed(dy, o, g.OutPixels), rows = new float[g.WeightLength];
        var gradGrid = Enumerable.Repeat(float.NaN, PackedSpikeConv.GradientGridPixels(g) * o).ToArray();
        var spikeList = new int[h * w];
        fixed (float* xp = x, dp = gradPixels, gg = gradGrid, rp = rows)
        fixed (int* sp = spikeList)
        {
            PackedSpikeConv.BorderGradient(dp, g, gg, clearBorder: true);
            PackedSpikeConv.WeightGradient(xp, g, gg, sp, rp, null, 0);
        }
        AssertClose(wantGw, Transposed(rows, g.PatchSize, o), "gradWeight");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Batch_WhoseImagesTakeBothPaths_MatchesReference(int threads)
    {
        // Every other image sparse enough for the scatter, the rest dense enough for the packed loops.
        using var threadCount = ThreadCount.Set(threads);
        var g = Conv2dGeometry.Create(6, 32, 10, 10, 64, 3, 3, 1, 1);
        var rng = new Random(3);
        int image = g.InChannels * g.Height * g.Width;
        float[] x = Enumerable.Range(0, g.Batch).SelectMany(n => Spikes(rng, image, n % 2 == 0 ? 0.01 : 0.3)).ToArray();
        float[] weight = Random(rng, g.WeightLength), bias = Random(rng, 64), dy = Random(rng, g.OutputLength);
        fixed (float* xp = x)
        {
            Assert.False(PackedSpikeConv.GatherPays(PackedSpikeConv.Ones(xp, g), g) || PackedSpikeConv.WeightGradientPays(xp, g));
            Assert.True(PackedSpikeConv.GatherPays(PackedSpikeConv.Ones(xp + image, g), g) && PackedSpikeConv.WeightGradientPays(xp + image, g));
        }
        var (want, got) = (new float[g.OutputLength], new float[g.OutputLength]);
        Conv2dReference.Forward(x, weight, bias, g, want);
        SpikeConv2dKernel.Forward(x, weight, bias, g, got);
        AssertClose(want, got, "output");
        var (wantGw, gotGw) = (new float[g.WeightLength], new float[g.WeightLength]);
        Conv2dReference.BackwardWeight(x, dy, g, wantGw, new float[64]);
        SpikeConv2dKernel.BackwardWeight(x, dy, g, gotGw);
        AssertClose(wantGw, gotGw, "gradWeight");
    }
}
