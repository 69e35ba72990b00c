// The fused spike convolution + neuron (+ max pool) against the kernels run one after the other, and F.Conv2dNeuron against the composed ops.
using Snn.Autograd;
using Snn.Kernels;
using Snn.Layers;
using Snn.Layers.Neurons;
using static Snn.Tests.Kernels.FusedKernelInputs;

namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class SpikeConvNeuronKernelTests
{
    [Theory]
    // T, samples, C, H, W, O, kernel, stride, padding, pool kernel (0 = none), pool stride, pool padding, threads
    [InlineData(4, 3, 8, 14, 14, 16, 3, 1, 1, 2, 2, 0, 2)]     // csnn's stage: 2×2 pooling
    [InlineData(4, 2, 4, 14, 14, 8, 3, 1, 1, 3, 2, 1, 3)]      // Spikformer's tokenizer: 3×3 stride-2 pooling
    [InlineData(3, 3, 3, 9, 7, 5, 3, 2, 0, 0, 0, 0, 2)]        // no pool, stride 2, O off the vector width
    [InlineData(1, 2, 12, 6, 5, 3, 1, 1, 0, 2, 2, 0, 1)]       // one step, 1×1 kernel, odd plane for the pool
    public void Forward_IsBitIdenticalToConvThenNeuronThenPool(int timeSteps, int samples, int c, int h, int w, int o, int kernel, int stride,
        int padding, int poolKernel, int poolStride, int poolPadding, int threads)
    {
        using var threadCount = ThreadCount.Set(threads);
        var random = new Random(timeSteps * 100 + samples * 10 + c + o);
        var g = Conv2dGeometry.Create(timeSteps * samples, c, h, w, o, kernel, kernel, stride, padding);
        float[] x = Spikes(g.InputLength, random), weight = Weights(g.WeightLength, g.PatchSize, random);
        float[] bias = Enumerable.Range(0, o).Select(j => 0.05f * (j % 7) - 0.1f).ToArray();
        Pool2dGeometry? plane = poolKernel > 0 ? new Pool2dGeometry(1, o, g.OutH, g.OutW, poolKernel, poolStride, poolPadding) : null;
        foreach (var spec in Specs)
            foreach (bool withBias in new[] { false, true })
            {
                var currents = new float[g.OutputLength];
                SpikeConv2dKernel.Forward(x, weight, withBias ? bias : default, g, currents);
                AssertFiresThenPools(currents, timeSteps, spec, currents.Length, samples * o * g.OutPixels,
                    plane is { } p ? p with { Batch = g.Batch } : null,
                    (got, membrane) => SpikeConvNeuronKernel.Forward(x, weight, withBias ? bias : default, g, timeSteps, spec, plane, got, membrane));
            }
    }

    [Fact]
    public void Forward_RejectsShapesThatDoNotFit()
    {
        var g = Conv2dGeometry.Create(4, 2, 5, 5, 3, 3, 3, 1, 1);
        var spec = NeuronSpec.Lif();
        float[] x = new float[g.InputLength], w = new float[g.WeightLength], y = new float[g.OutputLength];
        Assert.Contains("steps", Assert.Throws<ArgumentException>(() => SpikeConvNeuronKernel.Forward(x, w, default, g, 3, spec, null, y)).Message);
        Assert.Contains("output has", Assert.Throws<ArgumentException>(() => SpikeConvNeuronKernel.Forward(x, w, default, g, 2, spec, null, y.AsSpan(1))).Message);
        Assert.Contains("membrane has", Assert.Throws<ArgumentException>(() => SpikeConvNeuronKernel.Forward(x, w, default, g, 2, spec, null, y, new float[7])).Message);
        Assert.Contains("pooling", Assert.Throws<ArgumentException>(() =>
            SpikeConvNeuronKernel.Forward(x, w, default, g, 2, spec, new Pool2dGeometry(1, 3, 4, 5, 2, 2, 0), new float[4 * 3 * 2 * 2])).Message);
    }

    [Fact]
    public void TryForward_RefusesAValueOtherThan0Or1_OrADenseSample_AndForwardRejectsTheValue()
    {
        using var threadCount = ThreadCount.Set(2);
        const int steps = 2, samples = 8;
        var g = Conv2dGeometry.Create(steps * samples, 3, 6, 6, 4, 3, 3, 1, 1);
        int image = g.InChannels * g.Height * g.Width;
        var random = new Random(5);
        float[] spikes = Spikes(g.InputLength, random), weight = Weights(g.WeightLength, g.PatchSize, random), y = new float[g.OutputLength];
        var spec = NeuronSpec.Lif();
        Assert.True(SpikeConvNeuronKernel.TryForward(spikes, weight, default, g, steps, spec, null, y));

        var half = (float[])spikes.Clone();
        half[^1] = 0.5f;   // the last value of the last sample
        Assert.False(SpikeConvNeuronKernel.TryForward(half, weight, default, g, steps, spec, null, y));
        Assert.Contains("neither 0 nor 1", Assert.Throws<ArgumentException>(() =>
            SpikeConvNeuronKernel.Forward(half, weight, default, g, steps, spec, null, y)).Message);

        // Sample 2 fires everywhere: the input as a whole is under MaxDensity, that sample is not.
        var oneDense = (float[])spikes.Clone();
        for (int t = 0; t < steps; t++) oneDense.AsSpan((t * samples + 2) * image, image).Fill(1f);
        Assert.True(oneDense.Count(v => v == 1f) <= SpikeConv2dKernel.MaxDensity * oneDense.Length);
        Assert.False(SpikeConvNeuronKernel.TryForward(oneDense, weight, default, g, steps, spec, null, y));
        var want = new float[g.OutputLength];
        SpikeConvNeuronKernel.Forward(oneDense, weight, default, g, steps, spec, null, want);
        using (GradMode.NoGrad())
        {
            var fallback = F.Conv2dNeuron(Variable.Constant(new Tensor(oneDense, steps, samples, 3, 6, 6)), Variable.Constant(new Tensor(weight, 4, 3, 3, 3)),
                null, 1, 1, spec);
            Assert.Equal(want, fallback.Data.ToArray());
            var notSpikes = F.Conv2dNeuron(Variable.Constant(new Tensor(half, steps, samples, 3, 6, 6)), Variable.Constant(new Tensor(weight, 4, 3, 3, 3)),
                null, 1, 1, spec);
            Assert.Equal(F.Neuron(F.Conv2d(Variable.Constant(new Tensor(half, steps, samples, 3, 6, 6)), Variable.Constant(new Tensor(weight, 4, 3, 3, 3)), null, 1, 1),
                spec).Data.ToArray(), notSpikes.Data.ToArray());
        }
    }

    [Fact]
    public void Conv2dNeuron_UnderNoGrad_OnSpikes_EqualsTheComposedOps_AndWithAGraphIsThem()
    {
        var random = new Random(11);
        var x = Variable.Parameter(new Tensor(Spikes(4 * 2 * 6 * 10 * 10, random), 4, 2, 6, 10, 10));
        var weight = Variable.Parameter(new Tensor(Weights(8 * 6 * 9, 54, random), 8, 6, 3, 3));
        var bias = Variable.Parameter(new Tensor(Enumerable.Range(0, 8).Select(j => 0.02f * j).ToArray(), 8));
        var spec = NeuronSpec.Lif();
        var composed = F.MaxPool2d(F.Neuron(F.Conv2d(x, weight, bias, 1, 1), spec), 2, 2, 0);
        var graph = F.Conv2dNeuron(x, weight, bias, 1, 1, spec, poolKernel: 2, poolStride: 2);
        Assert.Equal(composed.Data.ToArray(), graph.Data.ToArray());
        Assert.False(graph.IsLeaf);
        F.SumAll(graph).Backward();
        Assert.NotNull(weight.Grad);
        using (GradMode.NoGrad())
        {
            var fused = F.Conv2dNeuron(x, weight, bias, 1, 1, spec, poolKernel: 2, poolStride: 2);
            Assert.True(fused.IsLeaf);
            Assert.Equal([4, 2, 8, 5, 5], fused.Data.ShapeArray());
            Assert.Equal(composed.Data.ToArray(), fused.Data.ToArray());
            var unpooled = F.Conv2dNeuron(x, weight, bias, 1, 1, spec);
            Assert.Equal(F.Neuron(F.Conv2d(x, weight, bias, 1, 1), spec).Data.ToArray(), unpooled.Data.ToArray());
        }
    }

    [Fact]
    public void ForwardConv_CarryingState_StepByStep_EqualsAllStepsAtOnce()
    {
        var random = new Random(13);
        var x = new Tensor(Spikes(4 * 2 * 6 * 8 * 8, random), 4, 2, 6, 8, 8);
        var weight = Variable.Constant(new Tensor(Weights(5 * 6 * 9, 54, random), 5, 6, 3, 3));
        var pool = new MaxPool2d(2);
        var whole = SpikingNeuron.Lif();
        var stepwise = SpikingNeuron.Lif();
        stepwise.CarryState = true;
        using (GradMode.NoGrad())
        {
            var want = whole.ForwardConv(Variable.Constant(x), weight, null, 1, 1, pool).Data.ToArray();
            var got = Enumerable.Range(0, 4).SelectMany(t => stepwise.ForwardConv(Variable.Constant(x.Slice(t, 1).Contiguous()), weight, null, 1, 1, pool).Data.ToArray()).ToArray();
            Assert.Equal(want, got);
        }
    }
}
