// The fused fire-then-pool kernel against the scalar references run one after the other.
using Snn.Autograd;
using Snn.Kernels;
using static Snn.Tests.Kernels.FusedKernelInputs;

namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class NeuronPoolKernelTests
{
    private const int TimeSteps = 4;

    /// <summary>Currents around the threshold (some exactly on it), so about half the neurons fire at each step.</summary>
    private static float[] Currents(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.Next(4) == 0 ? 1f : (float)(random.NextDouble() * 2.4 - 0.6)).ToArray();
    }

    /// <summary>NeuronReference over [T, n] then MaxPool2dReference over the T·P planes: the unfused meaning.</summary>
    private static float[] Reference(float[] steps, NeuronSpec spec, Pool2dGeometry pool, float[]? membrane)
    {
        var (spikes, charged) = (new float[steps.Length], new float[steps.Length]);
        NeuronReference.Forward(steps, TimeSteps, spec, spikes, charged, membrane ?? default);
        var all = pool with { Batch = pool.Batch * TimeSteps };
        var (pooled, indices) = (new float[all.OutputLength], new int[all.OutputLength]);
        MaxPool2dReference.Forward(spikes, all, pooled, indices);
        return pooled;
    }

    [Theory]
    // height, width, kernel, stride, padding, batch·channels, threads
    [InlineData(28, 28, 2, 2, 0, 2 * 32, 2)]
    [InlineData(9, 7, 2, 2, 0, 3 * 5, 3)]
    [InlineData(14, 14, 3, 2, 1, 2 * 24, 2)]
    [InlineData(5, 6, 3, 2, 1, 1, 1)]
    [InlineData(64, 64, 2, 2, 0, 40, 2)]    // planes of 4096 neurons: one plane per group
    public void ForwardSpikesPooled_IsBitIdenticalToNeuronThenPool(int height, int width, int kernel, int stride, int padding, int planes, int threads)
    {
        using var threadCount = ThreadCount.Set(threads);
        var pool = new Pool2dGeometry(planes, 1, height, width, kernel, stride, padding);
        int n = pool.InputLength;
        foreach (var spec in Specs)
        {
            float[] steps = Currents(TimeSteps * n, n + height);
            var got = Enumerable.Repeat(7f, TimeSteps * pool.OutputLength).ToArray();
            NeuronPoolKernel.ForwardSpikesPooled(steps, TimeSteps, spec, pool, got);
            float[] want = Reference(steps, spec, pool, null);
            Assert.Equal(want, got);
            Assert.Contains(1f, got);
            if (kernel == 2) Assert.Contains(0f, got);

            // One step repeated (direct encoding), with a carried membrane: same spikes and same final membrane.
            float[] step = steps[..n];
            float[] repeated = Enumerable.Range(0, TimeSteps).SelectMany(_ => step).ToArray();
            float[] start = Enumerable.Range(0, n).Select(i => (i % 5) * 0.2f - 0.3f).ToArray();
            var (wantMembrane, gotMembrane) = ((float[])start.Clone(), (float[])start.Clone());
            want = Reference(repeated, spec, pool, wantMembrane);
            NeuronPoolKernel.ForwardSpikesPooled(step, TimeSteps, spec, pool, got, gotMembrane);
            Assert.Equal(want, got);
            Assert.Equal(wantMembrane, gotMembrane);
        }
    }

    [Fact]
    public void ForwardSpikesPooled_RejectsMismatchedLengths_NamingThem()
    {
        var pool = new Pool2dGeometry(2, 3, 4, 4, 2, 2, 0);
        var spec = NeuronSpec.Lif();
        var error = Assert.Throws<ArgumentException>(() => NeuronPoolKernel.ForwardSpikesPooled(new float[95], TimeSteps, spec, pool, new float[TimeSteps * 24]));
        Assert.Contains("input has 95 values", error.Message);
        error = Assert.Throws<ArgumentException>(() => NeuronPoolKernel.ForwardSpikesPooled(new float[96], TimeSteps, spec, pool, new float[24]));
        Assert.Contains("pooled has 24 values", error.Message);
        error = Assert.Throws<ArgumentException>(() => NeuronPoolKernel.ForwardSpikesPooled(new float[96], TimeSteps, spec, pool, new float[TimeSteps * 24], new float[3]));
        Assert.Contains("membrane has 3 values", error.Message);
    }

    [Fact]
    public void NeuronMaxPool2d_WithoutAGraph_EqualsNeuronThenMaxPool_AndWithOneBuildsTheirGraph()
    {
        var spec = NeuronSpec.Lif();
        var x = new Tensor(Currents(TimeSteps * 2 * 3 * 8 * 8, 5), TimeSteps, 2, 3, 8, 8);
        Tensor want;
        using (GradMode.NoGrad())
        {
            want = F.MaxPool2d(F.Neuron(Variable.Constant(x), spec), 2, 2).Data;
            var fused = F.NeuronMaxPool2d(Variable.Constant(x), spec, 2, 2).Data;
            Assert.Equal(want.ShapeArray(), fused.ShapeArray());
            Assert.Equal(want.ToArray(), fused.ToArray());
        }
        var input = Variable.Parameter(x);
        var y = F.NeuronMaxPool2d(input, spec, 2, 2);
        Assert.Equal(want.ToArray(), y.Data.ToArray());
        F.SumAll(y).Backward();
        Assert.NotNull(input.Grad);
    }
}
