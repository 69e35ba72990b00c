// Max pooling: fast kernel against the reference (values, indices, gradients) and against PyTorch's vectors.
using Snn.Kernels;

namespace Snn.Tests.Kernels;

public class MaxPool2dKernelTests
{
    public static TheoryData<int, int, int, int, int> Geometries() => new()
    {
        // height, width, kernel, stride, padding
        { 8, 8, 2, 2, 0 }, { 9, 7, 2, 2, 0 }, { 28, 28, 2, 2, 0 }, { 14, 14, 2, 2, 0 }, { 5, 70, 2, 2, 0 }, { 4, 64, 2, 2, 0 }, { 1, 3, 1, 1, 0 }, { 8, 9, 3, 2, 1 }, { 7, 5, 3, 2, 1 }, { 28, 28, 3, 2, 1 }, { 14, 14, 3, 2, 1 }, { 9, 40, 3, 2, 1 }, { 6, 37, 3, 2, 1 }, { 6, 6, 3, 1, 1 }, { 5, 4, 3, 3, 0 },
    };

    /// <summary>Values from a small set so windows hold ties, plus −∞ and the occasional NaN.</summary>
    private static float[] Input(int length, int seed, bool withNaN)
    {
        var random = new Random(seed);
        float[] pool = [-2f, -1f, 0f, 1f, 1f, 3f, float.NegativeInfinity];
        return Enumerable.Range(0, length).Select(_ => withNaN && random.Next(50) == 0 ? float.NaN : pool[random.Next(pool.Length)]).ToArray();
    }

    /// <summary>
    /// The spike planes' pooling (values 0 or 1) against the general one, plane by plane through a buffer of 2·3
    /// planes: the last plane ends at the buffer's end, so its rows take the general path there.
    /// </summary>
    [Theory]
    [MemberData(nameof(Geometries))]
    public unsafe void PlaneSpikes_EqualsPlaneValues_OnSpikes(int height, int width, int kernel, int stride, int padding)
    {
        var g = new Pool2dGeometry(1, 1, height, width, kernel, stride, padding);
        int planes = 6, plane = height * width, planeOut = g.OutputLength;
        var random = new Random(height * 131 + width);
        float[] x = Enumerable.Range(0, planes * plane).Select(_ => random.Next(3) == 0 ? 1f : 0f).ToArray();
        var (want, got, rowMax) = (new float[planes * planeOut], new float[planes * planeOut], new float[width]);
        fixed (float* px = x)
            for (int p = 0; p < planes; p++)
            {
                MaxPool2dKernel.PlaneValues(px, (long)p * plane, x.Length, g, rowMax, want.AsSpan(p * planeOut, planeOut));
                MaxPool2dKernel.PlaneSpikes(px, (long)p * plane, x.Length, g, rowMax, got.AsSpan(p * planeOut, planeOut));
            }
        Assert.Equal(want, got);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void ForwardBackward_EqualReference_IncludingTiesAndNaN(int height, int width, int kernel, int stride, int padding)
    {
        var g = new Pool2dGeometry(2, 3, height, width, kernel, stride, padding);
        foreach (bool withNaN in new[] { false, true })
        {
            float[] x = Input(g.InputLength, height * 31 + width, withNaN);
            var (want, wantIdx, got, gotIdx) = (new float[g.OutputLength], new int[g.OutputLength], new float[g.OutputLength], new int[g.OutputLength]);
            MaxPool2dReference.Forward(x, g, want, wantIdx);
            MaxPool2dKernel.Forward(x, g, got, gotIdx);
            Assert.Equal(want, got);
            Assert.Equal(wantIdx, gotIdx);

            float[] gradOut = Enumerable.Range(0, g.OutputLength).Select(i => (float)(i % 7) - 3).ToArray();
            var (wantGx, gotGx) = (new float[g.InputLength], Enumerable.Repeat(9f, g.InputLength).ToArray());
            MaxPool2dReference.Backward(gradOut, wantIdx, g, wantGx);
            MaxPool2dKernel.Backward(gradOut, gotIdx, g, gotGx);
            Assert.Equal(wantGx, gotGx);
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void ForwardValues_EqualReferenceValues_IncludingTiesAndNaN(int height, int width, int kernel, int stride, int padding)
    {
        var g = new Pool2dGeometry(2, 3, height, width, kernel, stride, padding);
        foreach (bool withNaN in new[] { false, true })
        {
            float[] x = Input(g.InputLength, height * 31 + width, withNaN);
            var (want, wantIdx, got) = (new float[g.OutputLength], new int[g.OutputLength], Enumerable.Repeat(7f, g.OutputLength).ToArray());
            MaxPool2dReference.Forward(x, g, want, wantIdx);
            MaxPool2dKernel.ForwardValues(x, g, got);
            Assert.Equal(want, got);
        }
    }

    [Theory]
    [InlineData("maxpool2d_k2_s2_p0")]
    [InlineData("maxpool2d_k3_s2_p1")]
    public void Kernel_MatchesPyTorchVector(string name)
    {
        var v = TorchVector.Load(name);
        int[] shape = v.Shape("inputs", "x");
        var g = new Pool2dGeometry(shape[0], shape[1], shape[2], shape[3], (int)v.Attr("kernel"), (int)v.Attr("stride"), (int)v.Attr("padding"));
        Assert.Equal(v.Shape("outputs", "y"), new[] { g.Batch, g.Channels, g.OutHeight, g.OutWidth });
        var (y, idx, gx) = (new float[g.OutputLength], new int[g.OutputLength], new float[g.InputLength]);
        MaxPool2dKernel.Forward(v.Tensor("inputs", "x"), g, y, idx);
        MaxPool2dKernel.Backward(v.Tensor("upstream", "y"), idx, g, gx);
        Assert.Equal(v.Tensor("outputs", "y"), y);
        float[] want = v.Tensor("grads", "x");
        for (int i = 0; i < want.Length; i++) Assert.Equal(want[i], gx[i], 1e-5f);
    }

    [Fact]
    public void Geometry_RejectsPaddingAboveHalfTheKernel()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            MaxPool2dKernel.Forward(new float[16], new Pool2dGeometry(1, 1, 4, 4, 2, 2, 2), new float[9], new int[9]));
        Assert.Contains("at most half", ex.Message);
    }
}
