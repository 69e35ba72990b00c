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
    public void NeuronMaxPool2d_WithoutAGraph_EqualsNeuronThenMaxPool()
    {
        var spec = NeuronSpec.Lif();
        var x = new Tensor(Currents(TimeSteps * 2 * 3 * 8 * 8, 5), TimeSteps, 2, 3, 8, 8);
        using (GradMode.NoGrad())
        {
            var want = F.MaxPool2d(F.Neuron(Variable.Constant(x), spec), 2, 2).Data;
            var fused = F.NeuronMaxPool2d(Variable.Constant(x), spec, 2, 2).Data;
            Assert.Equal(want.ShapeArray(), fused.ShapeArray());
            Assert.Equal(want.ToArray(), fused.ToArray());
        }
    }

    /// <summary>Training specs: every surrogate, hard and soft reset, with and without the reset's gradient.</summary>
    private static readonly NeuronSpec[] TrainingSpecs =
    [
        NeuronSpec.Lif(tau: 2f, surrogate: Surrogate.ATan()),
        NeuronSpec.Lif(tau: 1.5f, vReset: null, surrogate: Surrogate.Sigmoid()),
        NeuronSpec.If(vReset: 0f, detachReset: false, surrogate: Surrogate.DSpike()),
        NeuronSpec.DecayLif(decay: 0.25f, surrogate: Surrogate.Rectangle()) with { FireStrict = true },
    ];

    /// <summary>
    /// The fused training op against F.Neuron then F.MaxPool2d: pooled spikes, ∂L/∂x and the carried membrane, bit
    /// for bit, on planes whose group leaves a scalar tail (14×14, 9×7), overlapping 3×3 windows and several threads.
    /// </summary>
    [Theory]
    [InlineData(28, 28, 2, 2, 0, 2, 2)]
    [InlineData(9, 7, 2, 2, 0, 3, 3)]
    [InlineData(14, 14, 3, 2, 1, 2, 2)]
    [InlineData(14, 14, 2, 2, 0, 5, 1)]
    public void NeuronMaxPool2d_WithAGraph_GivesTheTwoOpsSpikesAndGradients_BitForBit(int height, int width, int kernel, int stride, int padding,
        int batch, int threads)
    {
        using var threadCount = ThreadCount.Set(threads);
        int[] shape = [TimeSteps, batch, 3, height, width];
        var currents = new Tensor(Currents(Tensor.ElementCount(shape), height + batch), shape);
        foreach (var spec in TrainingSpecs)
            foreach (bool carried in new[] { false, true })
            {
                var results = new List<float[]>();
                foreach (bool fused in new[] { false, true })
                {
                    var x = Variable.Parameter(currents.Clone());
                    int perStep = batch * 3 * height * width;
                    var membrane = carried ? new Tensor(Enumerable.Range(0, perStep).Select(i => (i % 5) * 0.2f - 0.3f).ToArray(), perStep) : null;
                    var y = fused ? F.NeuronMaxPool2d(x, spec, kernel, stride, padding, membrane)
                        : F.MaxPool2d(F.Neuron(x, spec, membrane), kernel, stride, padding);
                    var weights = new Tensor(Currents(y.Data.Length, 9), y.Data.ShapeArray());
                    F.SumAll(F.Multiply(y, Variable.Constant(weights))).Backward();
                    results.Add([.. y.Data.ToArray(), .. x.Grad!.ToArray(), .. membrane?.ToArray() ?? []]);
                    Assert.Contains(1f, y.Data.ToArray());
                    Assert.Contains(x.Grad!.ToArray(), g => g != 0f);
                }
                Assert.Equal(results[0], results[1]);
            }
    }

    /// <summary>
    /// On RepeatTime's output the fused op reads the one step and sends Σ_t ∂ to it directly: the step's gradient
    /// is the two ops' through RepeatTime's own backward, bit for bit. When the repeated value has a second user, that
    /// user's part is summed over T apart and added after, not added per step before one sum: equal up to rounding.
    /// </summary>
    [Fact]
    public void NeuronMaxPool2d_OnARepeatedStep_GivesTheStepTheSameGradient()
    {
        var spec = NeuronSpec.Lif(surrogate: Surrogate.ATan());
        var values = new Tensor(Currents(2 * 4 * 14 * 14, 3), 2, 4, 14, 14);
        foreach (bool secondUser in new[] { false, true })
        {
            var results = new List<float[]>();
            foreach (bool fused in new[] { false, true })
            {
                var step = Variable.Parameter(values.Clone());
                var x = F.RepeatTime(step, TimeSteps);
                var y = fused ? F.NeuronMaxPool2d(x, spec, 2, 2) : F.MaxPool2d(F.Neuron(x, spec), 2, 2);
                var loss = F.SumAll(F.Multiply(y, Variable.Constant(new Tensor(Currents(y.Data.Length, 4), y.Data.ShapeArray()))));
                if (secondUser) loss = F.Add(loss, F.SumAll(F.Multiply(x, x)));
                loss.Backward();
                results.Add([.. y.Data.ToArray(), .. step.Grad!.ToArray()]);
            }
            if (!secondUser) Assert.Equal(results[0], results[1]);
            else
                for (int i = 0; i < results[0].Length; i++)
                    Assert.True(MathF.Abs(results[0][i] - results[1][i]) <= 1e-5f * (1 + MathF.Abs(results[0][i])),
                        $"[{i}]: {results[0][i]} vs {results[1][i]}");
        }
    }

    [Fact]
    public void Backward_RejectsMismatchedLengths_NamingThem()
    {
        var pool = new Pool2dGeometry(2, 3, 4, 4, 2, 2, 0);
        var spec = NeuronSpec.Lif();
        var error = Assert.Throws<ArgumentException>(() => NeuronPoolKernel.Backward(new float[TimeSteps * 24], new int[TimeSteps * 24],
            new float[TimeSteps * 96], TimeSteps, spec, pool, default, new float[96]));
        Assert.Contains("gradInput has 96 values", error.Message);
        error = Assert.Throws<ArgumentException>(() => NeuronPoolKernel.Backward(new float[24], new int[24],
            new float[96], TimeSteps, spec, pool, default, new float[96]));
        Assert.Contains("gradPooled has 24 values", error.Message);
        error = Assert.Throws<ArgumentException>(() => NeuronPoolKernel.Forward(new float[96], TimeSteps, spec, pool,
            new float[TimeSteps * 24], new int[5]));
        Assert.Contains("indices has 5 values", error.Message);
        var indices = new int[TimeSteps * 24];
        indices[30] = 16;
        error = Assert.Throws<ArgumentException>(() => NeuronPoolKernel.Backward(new float[TimeSteps * 24], indices,
            new float[96], TimeSteps, spec, pool, default, new float[96]));
        Assert.Contains("index 16 at 30 is outside its 4×4 plane", error.Message);
    }
}
