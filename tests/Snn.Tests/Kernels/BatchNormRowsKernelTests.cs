// The spatial = 1 batch norm (rows split into blocks, channels along SIMD lanes) against the double reference.
using Snn.Kernels;

namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class BatchNormRowsKernelTests
{
    private static float[] Random(int length, int seed, float offset = 0f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => offset + (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    private static (float[] y, float[] mean, float[] inv, float[] rm, float[] rv, float[] dx, float[] dg, float[] db) Run(
        BatchNormGeometry g, float offset)
    {
        int channels = g.Channels;
        float[] x = Random(g.Length, g.Batch, offset), dy = Random(g.Length, 5), gamma = Random(channels, 6), beta = Random(channels, 7);
        var (y, mean, inv, rm, rv) = (new float[g.Length], new float[channels], new float[channels], Random(channels, 8), Random(channels, 9, 3f));
        BatchNormKernel.ForwardTrain(x, gamma, beta, g, 1e-5f, 0.1f, y, mean, inv, rm, rv);
        var (dx, dg, db) = (new float[g.Length], new float[channels], new float[channels]);
        BatchNormKernel.Backward(dy, x, gamma, mean, inv, g, dx, dg, db);
        return (y, mean, inv, rm, rv, dx, dg, db);
    }

    private static double[] D(float[] x) => x.Select(v => (double)v).ToArray();

    private static void Close(double[] want, float[] got, double tolerance, string what)
    {
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(got[i] - want[i]) <= tolerance * (1 + Math.Abs(want[i])), $"{what}[{i}] {got[i]} vs {want[i]}");
    }

    [Theory]
    [InlineData(200, 64, 0f, 1)]
    [InlineData(37, 21, 0f, 1)]
    [InlineData(9, 5, 0f, 1)]
    [InlineData(4096, 48, 0f, 1)] // 6 row blocks: the blocks' merge, a short last block
    [InlineData(3000, 64, 1000f, 1)] // mean ≫ std: the merge of per-block deviations must not cancel
    [InlineData(40, 1100, 3f, 1)] // wider than one block: one row per block, a partial lane block
    [InlineData(12544, 64, 0f, 4)] // time-major: each block holds its rows of all four steps
    [InlineData(3000, 48, 1000f, 3)] // steps with a short last block, mean ≫ std
    [InlineData(40, 1100, 3f, 8)] // one row of every step per block
    public void RowsKernel_MatchesDoubleReference(int rows, int channels, float offset, int steps)
    {
        var g = new BatchNormGeometry(rows, channels, 1, steps);
        var got = Run(g, offset);
        float[] x = Random(g.Length, rows, offset), dy = Random(g.Length, 5), gamma = Random(channels, 6), beta = Random(channels, 7);
        var (wy, wm, wi, wrm, wrv) = (new double[g.Length], new double[channels], new double[channels], D(Random(channels, 8)), D(Random(channels, 9, 3f)));
        BatchNormReference.ForwardTrain(D(x), D(gamma), D(beta), g, 1e-5, 0.1, wy, wm, wi, wrm, wrv);
        Close(wy, got.y, 2e-5, "y");
        Close(wm, got.mean, 1e-6, "mean");
        Close(wi, got.inv, 1e-5, "invStd");
        Close(wrm, got.rm, 1e-6, "running mean");
        Close(wrv, got.rv, 1e-5, "running var");
        // Backward works from the saved float statistics, as PyTorch's does; from them the reference is exact.
        var (wdx, wdg, wdb) = (new double[g.Length], new double[channels], new double[channels]);
        BatchNormReference.Backward(D(dy), D(x), D(gamma), D(got.mean), D(got.inv), g, wdx, wdg, wdb);
        Close(wdx, got.dx, 1e-4, "dx");
        Close(wdg, got.dg, 1e-4, "dgamma");
        Close(wdb, got.db, 1e-5, "dbeta");
    }

    [Theory]
    [InlineData(4096, 48, 1)]
    [InlineData(12544, 64, 1)]
    [InlineData(777, 300, 1)]
    [InlineData(256, 16, 196)]    // spatial > 1: the per-segment kernel's blocks of whole images (10 each)
    [InlineData(7, 3, 20000)]     // an image larger than one block: one image per block
    [InlineData(12544, 64, 1, 4)] // time-major rows, split by sample with all steps
    public void TrainKernels_AreBitIdenticalAtAnyThreadCount(int rows, int channels, int spatial, int steps = 1)
    {
        var g = new BatchNormGeometry(rows, channels, spatial, steps);
        (float[] y, float[] mean, float[] inv, float[] rm, float[] rv, float[] dx, float[] dg, float[] db) one;
        using (ThreadCount.Set(1)) one = Run(g, 3f);
        foreach (int threads in new[] { 2, 3 })
        {
            using var threadCount = ThreadCount.Set(threads);
            var many = Run(g, 3f);
            Assert.Equal(one.y, many.y);
            Assert.Equal(one.mean, many.mean);
            Assert.Equal(one.inv, many.inv);
            Assert.Equal(one.rm, many.rm);
            Assert.Equal(one.rv, many.rv);
            Assert.Equal(one.dx, many.dx);
            Assert.Equal(one.dg, many.dg);
            Assert.Equal(one.db, many.db);
        }
    }

    [Theory]
    [InlineData(200, 64, 1)]
    [InlineData(37, 21, 1)]
    [InlineData(100, 256, 2)]
    public void EvalRowsKernel_IsBitIdenticalToPerSegmentKernel_AtAnyThreadCount(int rows, int channels, int threads)
    {
        using var threadCount = ThreadCount.Set(threads);
        var g = new BatchNormGeometry(rows, channels, 1);
        float[] x = Random(g.Length, rows, 3f), gamma = Random(channels, 6), beta = Random(channels, 7), rm = Random(channels, 8, 3f);
        float[] rv = Random(channels, 9).Select(v => v * v + 0.01f).ToArray();
        float[] fast = new float[g.Length], plain = new float[g.Length];
        BatchNormKernel.ForwardEval(x, gamma, beta, rm, rv, g, 1e-5f, fast, rowsKernel: true);
        BatchNormKernel.ForwardEval(x, gamma, beta, rm, rv, g, 1e-5f, plain, rowsKernel: false);
        Assert.Equal(plain, fast);
    }

    [Fact]
    public void Geometry_WhoseRowsAreNotWholeSteps_IsRefused()
    {
        var g = new BatchNormGeometry(10, 4, 1, Steps: 3);
        var ex = Assert.Throws<ArgumentException>(() => Run(g, 0f));
        Assert.Contains("a batch of 10 is not 3 steps", ex.Message);
    }
}
