// Batch norm: float kernel against the double reference, central differences, and PyTorch's vector.
using Snn.Kernels;

namespace Snn.Tests.Kernels;

public class BatchNormKernelTests
{
    private static double[] D(float[] x) => x.Select(v => (double)v).ToArray();

    private static float[] Random(int length, int seed, float offset = 0f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => offset + (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    private static void Close(double[] want, float[] got, double tolerance)
    {
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(got[i] - want[i]) <= tolerance * (1 + Math.Abs(want[i])), $"[{i}] {got[i]} vs {want[i]}");
    }

    [Theory]
    [InlineData(2, 3, 64, 0f)]
    [InlineData(5, 2, 37, 0f)]
    [InlineData(4, 3, 1, 0f)]
    [InlineData(3, 2, 50, 1000f)]
    [InlineData(37, 5, 300, 0f)]      // two blocks of images (21 and a short 16): the blocks' merge
    [InlineData(40, 3, 300, 1000f)]   // mean ≫ std over two blocks: the merge of per-block deviations must not cancel
    [InlineData(3, 2, 20000, 0f)]     // an image larger than one block
    public void TrainForwardAndBackward_MatchDoubleReference(int batch, int channels, int spatial, float offset)
    {
        var g = new BatchNormGeometry(batch, channels, spatial);
        float[] x = Random(g.Length, batch + spatial, offset), dy = Random(g.Length, 5), gamma = Random(channels, 6), beta = Random(channels, 7);
        var (y, mean, inv, rm, rv) = (new float[g.Length], new float[channels], new float[channels], new float[channels], Enumerable.Repeat(1f, channels).ToArray());
        BatchNormKernel.ForwardTrain(x, gamma, beta, g, 1e-5f, 0.1f, y, mean, inv, rm, rv);
        var (wy, wm, wi, wrm, wrv) = (new double[g.Length], new double[channels], new double[channels], new double[channels], Enumerable.Repeat(1.0, channels).ToArray());
        BatchNormReference.ForwardTrain(D(x), D(gamma), D(beta), g, 1e-5, 0.1, wy, wm, wi, wrm, wrv);
        Close(wy, y, 2e-5);
        Close(wm, mean, 1e-6);
        Close(wi, inv, 1e-6);
        Close(wrm, rm, 1e-6);
        Close(wrv, rv, 1e-6);

        var (dx, dg, db) = (new float[g.Length], new float[channels], new float[channels]);
        BatchNormKernel.Backward(dy, x, gamma, mean, inv, g, dx, dg, db);
        var (wdx, wdg, wdb) = (new double[g.Length], new double[channels], new double[channels]);
        BatchNormReference.Backward(D(dy), D(x), D(gamma), wm, wi, g, wdx, wdg, wdb);
        Close(wdx, dx, 1e-4);
        Close(wdg, dg, 1e-4);
        Close(wdb, db, 1e-5);
    }

    [Fact]
    public void Backward_MatchesCentralDifferencesOfTheDoubleForward()
    {
        var g = new BatchNormGeometry(3, 2, 5);
        float[] x = Random(g.Length, 1), dy = Random(g.Length, 2), gamma = Random(2, 3), beta = Random(2, 4);
        double Loss(double[] xs, double[] gs, double[] bs)
        {
            var y = new double[g.Length];
            BatchNormReference.ForwardTrain(xs, gs, bs, g, 1e-5, 0.1, y, new double[2], new double[2], new double[2], new double[2]);
            return y.Select((v, i) => v * dy[i]).Sum();
        }
        double[] Numeric(double[] p, Func<double> loss)
        {
            var grad = new double[p.Length];
            for (int i = 0; i < p.Length; i++)
            {
                double saved = p[i];
                p[i] = saved + 1e-6; double up = loss();
                p[i] = saved - 1e-6; double down = loss();
                p[i] = saved;
                grad[i] = (up - down) / 2e-6;
            }
            return grad;
        }
        var (xd, gd, bd) = (D(x), D(gamma), D(beta));
        var (mean, inv) = (new float[2], new float[2]);
        BatchNormKernel.ForwardTrain(x, gamma, beta, g, 1e-5f, 0.1f, new float[g.Length], mean, inv, new float[2], new float[2]);
        var (dx, dg, db) = (new float[g.Length], new float[2], new float[2]);
        BatchNormKernel.Backward(dy, x, gamma, mean, inv, g, dx, dg, db);
        Close(Numeric(xd, () => Loss(xd, gd, bd)), dx, 1e-4);
        Close(Numeric(gd, () => Loss(xd, gd, bd)), dg, 1e-4);
        Close(Numeric(bd, () => Loss(xd, gd, bd)), db, 1e-4);
    }

    [Fact]
    public void TrainForward_MatchesPyTorchVector_IncludingRunningStats()
    {
        var v = TorchVector.Load("batchnorm2d_train");
        int[] s = v.Shape("inputs", "x");
        var g = new BatchNormGeometry(s[0], s[1], s[2] * s[3]);
        var (y, mean, inv, rm, rv) = (new float[g.Length], new float[s[1]], new float[s[1]], new float[s[1]], Enumerable.Repeat(1f, s[1]).ToArray());
        BatchNormKernel.ForwardTrain(v.Tensor("inputs", "x"), v.Tensor("inputs", "gamma"), v.Tensor("inputs", "beta"), g, v.Attr("eps"), v.Attr("momentum"), y, mean, inv, rm, rv);
        Close(D(v.Tensor("outputs", "y")), y, 1e-4);
        Close(D(v.Tensor("outputs", "running_mean")), rm, 1e-5);
        Close(D(v.Tensor("outputs", "running_var")), rv, 1e-5);
        var (dx, dg, db) = (new float[g.Length], new float[s[1]], new float[s[1]]);
        BatchNormKernel.Backward(v.Tensor("upstream", "y"), v.Tensor("inputs", "x"), v.Tensor("inputs", "gamma"), mean, inv, g, dx, dg, db);
        Close(D(v.Tensor("grads", "x")), dx, 1e-4);
        Close(D(v.Tensor("grads", "gamma")), dg, 1e-4);
        Close(D(v.Tensor("grads", "beta")), db, 1e-4);
    }

    [Fact]
    public void EvalForward_MatchesDoubleReference()
    {
        var g = new BatchNormGeometry(2, 3, 17);
        float[] x = Random(g.Length, 9), gamma = Random(3, 10), beta = Random(3, 11), rm = Random(3, 12), rv = [0.5f, 2f, 1e-3f];
        var y = new float[g.Length];
        BatchNormKernel.ForwardEval(x, gamma, beta, rm, rv, g, 1e-5f, y);
        var want = new double[g.Length];
        BatchNormReference.ForwardEval(D(x), D(gamma), D(beta), D(rm), D(rv), g, 1e-5, want);
        Close(want, y, 2e-5);
    }

    [Fact]
    public void ForwardTrain_ThrowsForOneValuePerChannel()
    {
        var ex = Assert.Throws<ArgumentException>(() => BatchNormKernel.ForwardTrain(new float[2], new float[2], new float[2], new BatchNormGeometry(1, 2, 1),
            1e-5f, 0.1f, new float[2], new float[2], new float[2], new float[2], new float[2]));
        Assert.Contains("more than one value", ex.Message);
    }
}
