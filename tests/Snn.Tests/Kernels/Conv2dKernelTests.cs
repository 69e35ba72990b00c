// The im2col convolution agrees with the direct-loop reference in all three directions, and with PyTorch's vectors.
using System.Text.Json;
using Snn.Kernels;

namespace Snn.Tests.Kernels;

public class Conv2dKernelTests
{
    private static float[] Random(Random rng, int count)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }

    private static void AssertClose(ReadOnlySpan<float> want, ReadOnlySpan<float> got, string what, float abs = 1e-4f, float rel = 1e-4f)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(MathF.Abs(want[i] - got[i]) <= abs + rel * MathF.Abs(want[i]),
                $"{what}[{i}]: want {want[i]}, got {got[i]}");
    }

    /// <summary>(batch, C, H, W, O, kernel, stride, padding): strides 1/2, padding 0/1, 1×1 and 3×3, odd sizes.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int> Cases() => new()
    {
        { 2, 3, 7, 7, 4, 3, 1, 1 },
        { 3, 2, 9, 8, 5, 3, 2, 0 },
        { 1, 3, 11, 11, 2, 3, 2, 1 },
        { 2, 5, 6, 7, 3, 1, 1, 0 },
        { 2, 4, 5, 5, 6, 1, 2, 0 },
        { 3, 3, 8, 6, 5, 3, 1, 0 },
        { 5, 16, 14, 14, 33, 3, 1, 1 },
    };

    [Theory, MemberData(nameof(Cases))]
    public void AllDirections_MatchReference(int batch, int c, int h, int w, int o, int k, int stride, int padding)
    {
        var g = Conv2dGeometry.Create(batch, c, h, w, o, k, k, stride, padding);
        var rng = new Random(batch * 1000 + c * 100 + h);
        float[] x = Random(rng, g.InputLength), weight = Random(rng, g.WeightLength), bias = Random(rng, o);
        float[] dy = Random(rng, g.OutputLength);

        float[] yWant = new float[g.OutputLength], yGot = new float[g.OutputLength];
        Conv2dReference.Forward(x, weight, bias, g, yWant);
        Conv2dKernel.Forward(x, weight, bias, g, yGot);
        AssertClose(yWant, yGot, "output");

        float[] dxWant = new float[g.InputLength], dxGot = Random(rng, g.InputLength);
        Conv2dReference.BackwardInput(dy, weight, g, dxWant);
        Conv2dKernel.BackwardInput(dy, weight, g, dxGot);
        AssertClose(dxWant, dxGot, "gradInput");

        float[] dwWant = new float[g.WeightLength], dwGot = Random(rng, g.WeightLength);
        float[] dbWant = new float[o], dbGot = Random(rng, o);
        Conv2dReference.BackwardWeight(x, dy, g, dwWant, dbWant);
        Conv2dKernel.BackwardWeight(x, dy, g, dwGot, dbGot);
        AssertClose(dwWant, dwGot, "gradWeight");
        AssertClose(dbWant, dbGot, "gradBias");
    }

    [Theory]
    [InlineData("conv2d_s1_p0.json")]
    [InlineData("conv2d_s1_p1.json")]
    [InlineData("conv2d_s2_p1.json")]
    public void AllDirections_MatchPyTorchVectors(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "vectors", file)));
        var root = doc.RootElement;
        float[] Data(string group, string name) => root.GetProperty(group).GetProperty(name).GetProperty("data")
            .EnumerateArray().Select(e => e.GetSingle()).ToArray();
        int[] Shape(string group, string name) => root.GetProperty(group).GetProperty(name).GetProperty("shape")
            .EnumerateArray().Select(e => e.GetInt32()).ToArray();
        int[] xs = Shape("inputs", "x"), ws = Shape("inputs", "w");
        var attrs = root.GetProperty("attrs");
        var g = Conv2dGeometry.Create(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3],
            attrs.GetProperty("stride").GetInt32(), attrs.GetProperty("padding").GetInt32());

        float[] x = Data("inputs", "x"), w = Data("inputs", "w"), b = Data("inputs", "b"), dy = Data("upstream", "y");
        float[] y = new float[g.OutputLength], dx = new float[g.InputLength], dw = new float[g.WeightLength], db = new float[g.OutChannels];
        Conv2dKernel.Forward(x, w, b, g, y);
        Conv2dKernel.BackwardInput(dy, w, g, dx);
        Conv2dKernel.BackwardWeight(x, dy, g, dw, db);
        AssertClose(Data("outputs", "y"), y, "y");
        AssertClose(Data("grads", "x"), dx, "dx");
        AssertClose(Data("grads", "w"), dw, "dw");
        AssertClose(Data("grads", "b"), db, "db");
    }

    [Fact]
    public void Forward_WithoutBias_EqualsForwardWithZeroBias()
    {
        var g = Conv2dGeometry.Create(2, 3, 6, 6, 4, 3, 3, 1, 1);
        var rng = new Random(2);
        float[] x = Random(rng, g.InputLength), w = Random(rng, g.WeightLength);
        float[] none = new float[g.OutputLength], zero = new float[g.OutputLength];
        Conv2dKernel.Forward(x, w, [], g, none);
        Conv2dKernel.Forward(x, w, new float[4], g, zero);
        Assert.Equal(zero, none);
    }

    [Fact]
    public void Create_Throws_NamingShapes_WhenKernelExceedsPaddedInput()
    {
        var ex = Assert.Throws<ArgumentException>(() => Conv2dGeometry.Create(1, 3, 2, 2, 4, 5, 5));
        Assert.Contains("input [1, 3, 2, 2], weight [4, 3, 5, 5]", ex.Message);
    }

    [Fact]
    public void Forward_Throws_WhenWeightLengthIsWrong()
    {
        var g = Conv2dGeometry.Create(1, 2, 4, 4, 3, 3, 3);
        var ex = Assert.Throws<ArgumentException>(() =>
            Conv2dKernel.Forward(new float[g.InputLength], new float[5], [], g, new float[g.OutputLength]));
        Assert.Contains("weight has 5 elements, expected 54", ex.Message);
    }
}
