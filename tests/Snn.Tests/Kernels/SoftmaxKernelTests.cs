// Softmax and log-softmax: fast kernel against the double reference, stability at large inputs, central differences.
using Snn.Kernels;

namespace Snn.Tests.Kernels;

public class SoftmaxKernelTests
{
    private static float[] Random(int length, int seed, float scale)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    private static void Close(double[] want, float[] got, double tolerance)
    {
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(got[i] - want[i]) <= tolerance * (1 + Math.Abs(want[i])), $"[{i}] {got[i]} vs {want[i]}");
    }

    [Theory]
    [InlineData(false, 1, 1)]
    [InlineData(false, 7, 10)]
    [InlineData(true, 7, 10)]
    [InlineData(false, 3, 1000)]
    [InlineData(true, 3, 1000)]
    public void ForwardAndBackward_MatchDoubleReference(bool log, int rows, int columns)
    {
        float[] x = Random(rows * columns, columns, 8f), gy = Random(rows * columns, 1, 1f);
        var (y, gx) = (new float[x.Length], new float[x.Length]);
        if (log) SoftmaxKernel.LogForward(x, columns, y); else SoftmaxKernel.Forward(x, columns, y);
        var (wy, wgx) = (new double[x.Length], new double[x.Length]);
        SoftmaxReference.Forward(x.Select(v => (double)v).ToArray(), columns, log, wy);
        Close(wy, y, 1e-6);
        if (log) SoftmaxKernel.LogBackward(y, gy, columns, gx); else SoftmaxKernel.Backward(y, gy, columns, gx);
        SoftmaxReference.Backward(wy, gy.Select(v => (double)v).ToArray(), columns, log, wgx);
        Close(wgx, gx, 1e-5);
    }

    [Fact]
    public void Forward_IsFiniteAndSumsToOne_ForInputsThatOverflowExp()
    {
        float[] x = [1000f, 1001f, -1000f, 88f, 89f, 90f];
        var (y, logY) = (new float[6], new float[6]);
        SoftmaxKernel.Forward(x, 3, y);
        SoftmaxKernel.LogForward(x, 3, logY);
        Assert.All(y.Concat(logY), v => Assert.True(float.IsFinite(v)));
        Assert.Equal(1f, y[0] + y[1] + y[2], 1e-6f);
        Assert.Equal(-0.31326169f, logY[1], 1e-6f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Backward_MatchesCentralDifferencesOfTheDoubleForward(bool log)
    {
        const int columns = 5;
        float[] x = Random(2 * columns, 3, 3f), gy = Random(2 * columns, 4, 1f);
        var xd = x.Select(v => (double)v).ToArray();
        double Loss()
        {
            var y = new double[xd.Length];
            SoftmaxReference.Forward(xd, columns, log, y);
            return y.Select((v, i) => v * gy[i]).Sum();
        }
        var numeric = new double[xd.Length];
        for (int i = 0; i < xd.Length; i++)
        {
            double saved = xd[i];
            xd[i] = saved + 1e-6; double up = Loss();
            xd[i] = saved - 1e-6; double down = Loss();
            xd[i] = saved;
            numeric[i] = (up - down) / 2e-6;
        }
        var (y, gx) = (new float[x.Length], new float[x.Length]);
        if (log) { SoftmaxKernel.LogForward(x, columns, y); SoftmaxKernel.LogBackward(y, gy, columns, gx); }
        else { SoftmaxKernel.Forward(x, columns, y); SoftmaxKernel.Backward(y, gy, columns, gx); }
        Close(numeric, gx, 1e-5);
    }
}
