// A direct-encoded first stage in one pass (conv of the image, neurons over T, pool) against the kernels in turn, and F.ImageConv2dNeuron against the ops.
using Snn.Autograd;
using Snn.Kernels;
using Snn.Layers;
using Snn.Layers.Neurons;
using static Snn.Tests.Kernels.FusedKernelInputs;

namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class ImageConvNeuronKernelTests
{
    /// <summary>Pixel-like values: not 0/1, so the convolution these are compared with is the dense one.</summary>
    private static float[] Image(int length, Random random) => Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray();

    [Theory]
    // T, images, C, H, W, O, kernel, stride, padding, pool kernel (0 = none), pool stride, pool padding, threads
    [InlineData(4, 3, 1, 28, 28, 8, 3, 1, 1, 2, 2, 0, 2)]     // csnn's first stage (rows in 16 + 12 lanes)
    [InlineData(4, 2, 1, 28, 28, 4, 3, 1, 1, 0, 0, 0, 3)]     // Spikformer's: no pool
    [InlineData(2, 2, 3, 32, 32, 5, 3, 1, 1, 3, 2, 1, 1)]     // three channels, rows of two whole vectors, 3×3 pool
    [InlineData(2, 2, 1, 18, 20, 3, 3, 1, 1, 0, 0, 0, 2)]     // 3×3 with rows left over after blocks of four
    [InlineData(2, 1, 2, 21, 20, 3, 5, 1, 2, 2, 2, 0, 1)]     // 5×5: the general lanes, a row left over
    [InlineData(3, 2, 2, 9, 11, 3, 5, 1, 2, 2, 2, 0, 2)]      // rows under 16 wide: a pixel at a time
    [InlineData(1, 3, 1, 17, 18, 2, 3, 2, 0, 0, 0, 0, 2)]     // stride 2
    public void Forward_IsBitIdenticalToConvThenNeuronThenPool(int timeSteps, int images, int c, int h, int w, int o, int kernel, int stride,
        int padding, int poolKernel, int poolStride, int poolPadding, int threads)
    {
        using var threadCount = ThreadCount.Set(threads);
        var random = new Random(images * 10 + c + o + h);
        var g = Conv2dGeometry.Create(images, c, h, w, o, kernel, kernel, stride, padding);
        float[] x = Image(g.InputLength, random), weight = Weights(g.WeightLength, g.PatchSize, random);
        for (int i = 0; i < weight.Length; i++) weight[i] *= 3f;   // enough current for spikes at every step
        float[] bias = Enumerable.Range(0, o).Select(j => 0.1f * (j % 7) - 0.2f).ToArray();
        Pool2dGeometry? pool = poolKernel > 0 ? new Pool2dGeometry(images, o, g.OutH, g.OutW, poolKernel, poolStride, poolPadding) : null;
        foreach (var spec in Specs)
            foreach (bool withBias in new[] { false, true })
            {
                var currents = new float[g.OutputLength];
                Conv2dKernel.Forward(x, weight, withBias ? bias : default, g, currents);
                AssertFiresThenPools(currents, timeSteps, spec, timeSteps * currents.Length, g.OutputLength,
                    pool is { } p ? p with { Batch = timeSteps * images } : null,
                    (got, membrane) => ImageConvNeuronKernel.Forward(x, weight, withBias ? bias : default, g, timeSteps, spec, pool, got, membrane));
            }
    }

    [Fact]
    public void Forward_RejectsShapesThatDoNotFit()
    {
        var g = Conv2dGeometry.Create(2, 1, 6, 6, 3, 3, 3, 1, 1);
        var spec = NeuronSpec.Lif();
        float[] x = new float[g.InputLength], w = new float[g.WeightLength], y = new float[2 * g.OutputLength];
        Assert.Contains("output has", Assert.Throws<ArgumentException>(() => ImageConvNeuronKernel.Forward(x, w, default, g, 3, spec, null, y)).Message);
        Assert.Contains("membrane has", Assert.Throws<ArgumentException>(() => ImageConvNeuronKernel.Forward(x, w, default, g, 2, spec, null, y, new float[7])).Message);
        Assert.Contains("images", Assert.Throws<ArgumentException>(() => ImageConvNeuronKernel.Forward(x.AsSpan(1), w, default, g, 2, spec, null, y)).Message);
        Assert.Contains("pool", Assert.Throws<ArgumentException>(() =>
            ImageConvNeuronKernel.Forward(x, w, default, g, 2, spec, new Pool2dGeometry(1, 3, 6, 6, 2, 2, 0), new float[2 * 3 * 3 * 3])).Message);
        var deep = Conv2dGeometry.Create(1, 30, 4, 4, 2, 3, 3, 1, 1);   // a patch of 270 values: over one GEMM depth block
        Assert.False(ImageConvNeuronKernel.Supports(deep));
        Assert.Contains("patch", Assert.Throws<ArgumentException>(() => ImageConvNeuronKernel.Forward(new float[deep.InputLength],
            new float[deep.WeightLength], default, deep, 1, spec, null, new float[deep.OutputLength])).Message);
    }

    [Fact]
    public void ImageConv2dNeuron_UnderNoGrad_EqualsTheComposedOps_AndWithAGraphIsThem()
    {
        var random = new Random(17);
        var images = Variable.Constant(new Tensor(Image(3 * 2 * 12 * 20, random), 3, 2, 12, 20));
        var weight = Variable.Parameter(new Tensor(Weights(6 * 2 * 9, 18, random).Select(v => 3 * v).ToArray(), 6, 2, 3, 3));
        var bias = Variable.Parameter(new Tensor(Enumerable.Range(0, 6).Select(j => 0.05f * j).ToArray(), 6));
        var spec = NeuronSpec.Lif();
        var composed = F.MaxPool2d(F.Neuron(F.RepeatTime(F.Conv2d(images, weight, bias, 1, 1), 4), spec), 2, 2, 0);
        var graph = F.ImageConv2dNeuron(images, weight, bias, 1, 1, 4, spec, poolKernel: 2, poolStride: 2);
        Assert.Equal(composed.Data.ToArray(), graph.Data.ToArray());
        Assert.False(graph.IsLeaf);
        F.SumAll(graph).Backward();
        Assert.NotNull(weight.Grad);
        using (GradMode.NoGrad())
        {
            var fused = F.ImageConv2dNeuron(images, weight, bias, 1, 1, 4, spec, poolKernel: 2, poolStride: 2);
            Assert.True(fused.IsLeaf);
            Assert.Equal([4, 3, 6, 6, 10], fused.Data.ShapeArray());
            Assert.Equal(composed.Data.ToArray(), fused.Data.ToArray());
            var unpooled = F.ImageConv2dNeuron(images, weight, bias, 1, 1, 4, spec);
            Assert.Equal(F.Neuron(F.RepeatTime(F.Conv2d(images, weight, bias, 1, 1), 4), spec).Data.ToArray(), unpooled.Data.ToArray());
        }
    }

    /// <summary>
    /// The folded first stage of a model in eval mode is the same as the conv, BN, repeat, neurons and pool it
    /// replaces (the folded conv then the fused neuron-pool op, as the models ran it before), and a model with a
    /// carried membrane gets the same spikes over two calls of two steps as over one of four.
    /// </summary>
    [Fact]
    public void ImageConvBnNeuron_InEval_EqualsTheFoldedConvThenNeuronPool_AndCarriesState()
    {
        var random = new Random(19);
        var images = Variable.Constant(new Tensor(Image(2 * 1 * 14 * 14, random), 2, 1, 14, 14));
        var conv = new Conv2d(1, 4, 3, padding: 1, bias: false, rng: new Rng(3));
        var bn = BatchNorm.TwoD(4);
        new float[] { 1.5f, 0.7f, 2f, 1.1f }.CopyTo(bn.Weight.Data.Span);
        new float[] { 0.2f, -0.1f, 0.4f, 0f }.CopyTo(bn.Bias.Data.Span);
        bn.Eval();
        var pool = new MaxPool2d(2);
        using (GradMode.NoGrad())
        {
            var want = SpikingNeuron.Lif().ForwardPooled(F.RepeatTime(BatchNormFolding.ConvBn(conv, bn, images), 4), pool);
            var got = BatchNormFolding.ImageConvBnNeuron(conv, bn, SpikingNeuron.Lif(), images, 4, pool);
            Assert.Equal(want.Data.ToArray(), got.Data.ToArray());
            Assert.Contains(1f, got.Data.ToArray());
            var stepwise = SpikingNeuron.Lif();
            stepwise.CarryState = true;
            var halves = Enumerable.Range(0, 2).SelectMany(_ => BatchNormFolding.ImageConvBnNeuron(conv, bn, stepwise, images, 2, pool).Data.ToArray());
            Assert.Equal(want.Data.ToArray(), halves.ToArray());
        }
    }
}
