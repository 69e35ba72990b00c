// The fused sparse linear product + neuron against the two kernels run one after the other, and F.LinearNeuron against F.Neuron(F.Linear).
using Snn.Autograd;
using Snn.Kernels;
using Snn.Layers.Neurons;
using static Snn.Tests.Kernels.FusedKernelInputs;

namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class SparseLinearNeuronKernelTests
{
    [Fact]
    public void Forward_DeeperThanAGemmBlock_FollowsTheProductsDepthSlices()
    {
        using var threadCount = ThreadCount.Set(2);
        const int timeSteps = 4, tokens = 16, k = 2100, n = 10;
        var random = new Random(21);
        // Weights small enough for 2,100 inputs at 20% spikes to charge around the threshold.
        float[] x = Spikes(timeSteps * tokens * k, random), w = Weights(k * n, k * k / 100, random);
        var currents = new float[timeSteps * tokens * n];
        Gemm.Multiply(false, false, timeSteps * tokens, n, k, x, k, w, n, 0f, currents, n);
        var want = new float[currents.Length];
        NeuronKernel.ForwardSpikes(currents, timeSteps, NeuronSpec.Lif(), want);
        var got = new float[currents.Length];
        SparseLinearNeuronKernel.Forward(x, w, default, timeSteps, n, k, NeuronSpec.Lif(), got);
        Assert.Equal(want, got);
        Assert.Contains(1f, got);
        Assert.Contains(0f, got);
    }

    [Theory]
    // time steps, tokens per step, K, N, threads
    [InlineData(4, 49, 64, 64, 2)]
    [InlineData(4, 300, 64, 256, 3)]   // several groups per chunk
    [InlineData(1, 17, 33, 20, 1)]     // N off the vector width: the neuron's scalar tail and the product's column tail
    [InlineData(3, 70, 256, 37, 2)]
    public void Forward_IsBitIdenticalToProductThenNeuron(int timeSteps, int tokens, int k, int n, int threads)
    {
        using var threadCount = ThreadCount.Set(threads);
        var random = new Random(timeSteps * 1000 + tokens + k + n);
        float[] x = Spikes(timeSteps * tokens * k, random), w = Weights(k * n, k, random);
        float[] bias = Enumerable.Range(0, n).Select(j => 0.05f * (j % 7) - 0.1f).ToArray();
        foreach (var spec in Specs)
            foreach (bool withBias in new[] { false, true })
            {
                var currents = new float[timeSteps * tokens * n];
                SparseRowsGemm.Multiply(x, w, timeSteps * tokens, n, k, currents, withBias ? bias : default);
                var want = new float[currents.Length];
                NeuronKernel.ForwardSpikes(currents, timeSteps, spec, want);
                var got = Enumerable.Repeat(7f, currents.Length).ToArray();
                SparseLinearNeuronKernel.Forward(x, w, withBias ? bias : default, timeSteps, n, k, spec, got);
                Assert.Equal(want, got);
                Assert.Contains(1f, got);
                Assert.Contains(0f, got);

                // A carried membrane: the same spikes and the same membrane after the last step.
                float[] start = Enumerable.Range(0, tokens * n).Select(i => (i % 5) * 0.2f - 0.3f).ToArray();
                var (wantMembrane, gotMembrane) = ((float[])start.Clone(), (float[])start.Clone());
                NeuronKernel.ForwardSpikes(currents, timeSteps, spec, want, wantMembrane);
                SparseLinearNeuronKernel.Forward(x, w, withBias ? bias : default, timeSteps, n, k, spec, got, gotMembrane);
                Assert.Equal(want, got);
                Assert.Equal(wantMembrane, gotMembrane);
            }
    }

    [Fact]
    public void Forward_RejectsShapesThatDoNotFit()
    {
        var spec = NeuronSpec.Lif();
        float[] x = new float[4 * 10 * 8], w = new float[8 * 6], spikes = new float[4 * 10 * 6];
        Assert.Contains("x has", Assert.Throws<ArgumentException>(() => SparseLinearNeuronKernel.Forward(x.AsSpan(1), w, default, 4, 6, 8, spec, spikes)).Message);
        Assert.Contains("w has", Assert.Throws<ArgumentException>(() => SparseLinearNeuronKernel.Forward(x, w.AsSpan(1), default, 4, 6, 8, spec, spikes)).Message);
        Assert.Contains("bias has", Assert.Throws<ArgumentException>(() => SparseLinearNeuronKernel.Forward(x, w, new float[5], 4, 6, 8, spec, spikes)).Message);
        Assert.Contains("spikes has", Assert.Throws<ArgumentException>(() => SparseLinearNeuronKernel.Forward(x, w, default, 4, 6, 8, spec, spikes.AsSpan(1))).Message);
        Assert.Contains("membrane has", Assert.Throws<ArgumentException>(() => SparseLinearNeuronKernel.Forward(x, w, default, 4, 6, 8, spec, spikes, new float[59])).Message);
    }

    [Fact]
    public void LinearNeuron_UnderNoGrad_OnSpikes_EqualsNeuronOfLinear_AndWithAGraphIsTheTwoOps()
    {
        var random = new Random(3);
        var x = Variable.Parameter(new Tensor(Spikes(4 * 2 * 7 * 64, random), 4, 2, 7, 64));
        var weight = Variable.Parameter(new Tensor(Weights(48 * 64, 64, random), 48, 64));
        var bias = Variable.Parameter(new Tensor(Enumerable.Range(0, 48).Select(j => 0.01f * j).ToArray(), 48));
        var spec = NeuronSpec.Lif();
        var composed = F.Neuron(F.Linear(x, weight, bias), spec);
        var graph = F.LinearNeuron(x, weight, bias, spec);
        Assert.Equal(composed.Data.ToArray(), graph.Data.ToArray());
        Assert.False(graph.IsLeaf);
        F.SumAll(graph).Backward();
        Assert.NotNull(weight.Grad);
        using (GradMode.NoGrad())
        {
            var fused = F.LinearNeuron(x, weight, bias, spec);
            Assert.True(fused.IsLeaf);
            Assert.Equal([4, 2, 7, 48], fused.Data.ShapeArray());
            Assert.Equal(composed.Data.ToArray(), fused.Data.ToArray());
        }
    }

    [Fact]
    public void ForwardLinear_CarryingState_StepByStep_EqualsAllStepsAtOnce()
    {
        var random = new Random(5);
        var x = new Tensor(Spikes(4 * 9 * 64, random), 4, 9, 64);
        var weight = Variable.Constant(new Tensor(Weights(32 * 64, 64, random), 32, 64));
        var whole = SpikingNeuron.Lif();
        var stepwise = SpikingNeuron.Lif();
        stepwise.CarryState = true;
        using (GradMode.NoGrad())
        {
            var want = whole.ForwardLinear(Variable.Constant(x), weight, null).Data.ToArray();
            var got = Enumerable.Range(0, 4).SelectMany(t => stepwise.ForwardLinear(Variable.Constant(x.Slice(t, 1).Contiguous()), weight, null).Data.ToArray()).ToArray();
            Assert.Equal(want, got);
        }
    }
}
