// The spatial = 1 batch norm (channels along SIMD lanes) against the per-channel kernel it replaces.
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

    [Theory]
    [InlineData(200, 64, 1)]
    [InlineData(37, 21, 1)]
    [InlineData(100, 256, 2)]
    [InlineData(9, 5, 2)]
    [InlineData(4096, 48, 2)] // large enough that the channel blocks split over the two threads
    [InlineData(40, 1100, 3)] // more than 64 blocks per thread's chunk, and a partial last block
    public void RowsKernel_IsBitIdenticalToPerChannelKernel_AtAnyThreadCount(int rows, int channels, int threads)
    {
        using var threadCount = ThreadCount.Set(threads);
        var g = new BatchNormGeometry(rows, channels, 1);
        float[] x = Random(g.Length, rows, 3f), dy = Random(g.Length, 5), gamma = Random(channels, 6), beta = Random(channels, 7);
        (float[] y, float[] mean, float[] inv, float[] rm, float[] rv, float[] dx, float[] dg, float[] db) Run(bool rowsKernel)
        {
            var (y, mean, inv, rm, rv) = (new float[g.Length], new float[channels], new float[channels], Random(channels, 8), Random(channels, 9, 3f));
            BatchNormKernel.ForwardTrain(x, gamma, beta, g, 1e-5f, 0.1f, y, mean, inv, rm, rv, rowsKernel);
            var (dx, dg, db) = (new float[g.Length], new float[channels], new float[channels]);
            BatchNormKernel.Backward(dy, x, gamma, mean, inv, g, dx, dg, db, rowsKernel);
            return (y, mean, inv, rm, rv, dx, dg, db);
        }
        var fast = Run(rowsKernel: true);
        var plain = Run(rowsKernel: false);
        Assert.Equal(plain.y, fast.y);
        Assert.Equal(plain.mean, fast.mean);
        Assert.Equal(plain.inv, fast.inv);
        Assert.Equal(plain.rm, fast.rm);
        Assert.Equal(plain.rv, fast.rv);
        Assert.Equal(plain.dg, fast.dg);
        Assert.Equal(plain.db, fast.db);
        Assert.Equal(plain.dx, fast.dx);
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
}
