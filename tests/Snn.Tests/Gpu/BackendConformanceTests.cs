// The claims every ILGPU accelerator must meet: each ITensorBackend method agrees with CpuBackend / NeuronReference.
using Snn.Backends;
using Snn.Gpu;
using Snn.Kernels;

namespace Snn.Tests.Gpu;

/// <summary>
/// One subclass per accelerator. Tests are virtual so the CUDA subclass can re-mark them <see cref="CudaFactAttribute"/>
/// and show them as skipped, not passed, on machines without a GPU.
/// </summary>
public abstract class BackendConformanceTests(GpuBackend? backend)
{
    private static readonly CpuBackend Cpu = new();

    private GpuBackend Gpu => backend ?? throw new InvalidOperationException("No accelerator for this test class.");

    /// <summary>
    /// Allowed relative error of neuron results against <see cref="NeuronReference"/>. The CPU simulator runs the same
    /// managed float math in the same order, so it must match exactly; spikes must always match exactly.
    /// </summary>
    protected virtual float NeuronTolerance => 0f;

    /// <summary>The backward pass's tolerance for one surrogate; the same as the forward's unless a backend says why not.</summary>
    protected virtual float BackwardTolerance(Surrogate surrogate) => NeuronTolerance;

    [Fact]
    public virtual void Binary_MatchesCpu_ForEveryOp()
    {
        var rng = new Rng(1);
        var a = rng.Uniform(-2f, 2f, 7, 143);
        var b = rng.Uniform(0.5f, 2f, 7, 143);
        foreach (var op in Enum.GetValues<BinaryOp>())
        {
            var expected = Tensor.ZerosLike(a);
            var actual = Tensor.ZerosLike(a);
            Cpu.Binary(a, b, op, expected);
            Gpu.Binary(a, b, op, actual);
            AssertClose(expected, actual, 1e-6f, op.ToString());
        }
    }

    [Fact]
    public virtual void Unary_MatchesCpu_ForEveryOp()
    {
        var x = new Rng(2).Uniform(0.05f, 3f, 1001);
        var signed = new Rng(3).Uniform(-3f, 3f, 1001);
        foreach (var op in Enum.GetValues<UnaryOp>())
        {
            var input = op is UnaryOp.Log or UnaryOp.Sqrt ? x : signed;
            var expected = Tensor.ZerosLike(input);
            var actual = Tensor.ZerosLike(input);
            Cpu.Unary(input, op, expected);
            Gpu.Unary(input, op, actual);
            AssertClose(expected, actual, 1e-5f, op.ToString());
        }
    }

    [Fact]
    public virtual void Binary_Throws_ForMismatchedLengths()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gpu.Binary(Tensor.Zeros(3), Tensor.Zeros(4), BinaryOp.Add, Tensor.Zeros(3)));
        Assert.Contains("lengths differ", ex.Message);
    }

    /// <summary>Rank 2, batched rank 3 and a rank-2 a broadcast over the batch; beta = 0 must ignore NaN in c.</summary>
    [Fact]
    public virtual void MatMul_MatchesCpu_ForEveryTransposeAndBeta()
    {
        const int batch = 3, m = 13, k = 10, n = 9;
        var rng = new Rng(4);
        foreach (var (aBatched, bcBatched) in new[] { (false, false), (true, true), (false, true) })
            foreach (bool transposeA in new[] { false, true })
                foreach (bool transposeB in new[] { false, true })
                    foreach (float beta in new[] { 0f, 0.5f })
                    {
                        var a = rng.Uniform(-1f, 1f, Shape(aBatched, batch, transposeA ? [k, m] : [m, k]));
                        var b = rng.Uniform(-1f, 1f, Shape(bcBatched, batch, transposeB ? [n, k] : [k, n]));
                        var expected = beta == 0 ? Tensor.Full(float.NaN, Shape(bcBatched, batch, [m, n])) : rng.Uniform(-1f, 1f, Shape(bcBatched, batch, [m, n]));
                        var actual = expected.Clone();
                        Cpu.MatMul(a, transposeA, b, transposeB, beta, expected);
                        Gpu.MatMul(a, transposeA, b, transposeB, beta, actual);
                        AssertClose(expected, actual, 1e-5f, $"a{Tensor.ShapeText(a.Shape)} tA={transposeA} b{Tensor.ShapeText(b.Shape)} tB={transposeB} beta={beta}");
                    }
    }

    /// <summary>Sizes below, at and across tile edges; both kernels sum in the same order, so they agree exactly.</summary>
    [Fact]
    public virtual void MatMulTiled_Equals_MatMulNaive()
    {
        var rng = new Rng(5);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (3, 5, 2), (4, 8, 4), (17, 15, 33) })
            foreach (bool transposeA in new[] { false, true })
                foreach (bool transposeB in new[] { false, true })
                {
                    var a = rng.Uniform(-1f, 1f, 2, transposeA ? k : m, transposeA ? m : k);
                    var b = rng.Uniform(-1f, 1f, 2, transposeB ? n : k, transposeB ? k : n);
                    var naive = rng.Uniform(-1f, 1f, 2, m, n);
                    var tiled = naive.Clone();
                    Gpu.MatMul(a, transposeA, b, transposeB, 0.25f, naive, tiled: false);
                    Gpu.MatMul(a, transposeA, b, transposeB, 0.25f, tiled, tiled: true);
                    Assert.Equal(naive.ToArray(), tiled.ToArray());
                }
    }

    [Fact]
    public virtual void NeuronForward_MatchesReference_ForEverySetting()
    {
        foreach (var spec in Specs(surrogates: [Surrogate.Sigmoid()], detach: [true]))
        {
            var input = NearThresholdInput(spec, seed: 6);
            var (expectedSpikes, expectedCharged) = ReferenceForward(input, spec);
            var spikes = Tensor.ZerosLike(input);
            var charged = Tensor.ZerosLike(input);
            Gpu.NeuronForward(input, spec, spikes, charged);
            Assert.True(expectedSpikes.ToArray().SequenceEqual(spikes.ToArray()), $"spikes differ for {spec}");
            AssertClose(expectedCharged, charged, NeuronTolerance, spec.ToString());
        }
    }

    [Fact]
    public virtual void NeuronForward_WithCarriedMembrane_MatchesCpu()
    {
        var spec = NeuronSpec.Lif(vReset: null);
        var input = NearThresholdInput(spec, seed: 10);
        int neurons = input.Length / input.Shape[0];
        var cpuMembrane = new Rng(11).Uniform(-0.5f, 0.9f, neurons);
        var gpuMembrane = cpuMembrane.Clone();
        var (cs, ch, gs, gh) = (Tensor.ZerosLike(input), Tensor.ZerosLike(input), Tensor.ZerosLike(input), Tensor.ZerosLike(input));
        Cpu.NeuronForward(input, spec, cs, ch, cpuMembrane);
        Gpu.NeuronForward(input, spec, gs, gh, gpuMembrane);
        Assert.Equal(cs.ToArray(), gs.ToArray());
        AssertClose(cpuMembrane, gpuMembrane, NeuronTolerance, "membrane after the last step");
    }

    [Fact]
    public virtual void NeuronBackward_MatchesReference_ForEverySetting()
    {
        var surrogates = new[] { Surrogate.ATan(), Surrogate.Sigmoid(), Surrogate.Rectangle(), Surrogate.DSpike() };
        foreach (var spec in Specs(surrogates, detach: [true, false]))
        {
            var input = NearThresholdInput(spec, seed: 7);
            var (_, charged) = ReferenceForward(input, spec);
            var gradSpikes = new Rng(8).Uniform(-1f, 1f, input.ShapeArray());
            var expected = Tensor.ZerosLike(input);
            var actual = Tensor.ZerosLike(input);
            NeuronReference.Backward(gradSpikes.Span, charged.Span, input.Shape[0], spec, expected.Span);
            Gpu.NeuronBackward(gradSpikes, charged, spec, actual);
            AssertClose(expected, actual, BackwardTolerance(spec.Surrogate), spec.ToString());
        }
    }

    [Fact]
    public virtual void RepeatedCalls_ReuseDeviceBuffers()
    {
        var spec = NeuronSpec.Lif();
        var input = NearThresholdInput(spec, seed: 9);
        var spikes = Tensor.ZerosLike(input);
        var charged = Tensor.ZerosLike(input);
        Gpu.NeuronForward(input, spec, spikes, charged);
        int allocations = Gpu.DeviceAllocations;
        Gpu.NeuronForward(input, spec, spikes, charged);
        Gpu.NeuronBackward(spikes, charged, spec, input);
        Assert.Equal(allocations, Gpu.DeviceAllocations);
    }

    /// <summary>Every charge equation × hard reset to 0, hard reset to −0.2, soft reset × firing strictness.</summary>
    private static IEnumerable<NeuronSpec> Specs(Surrogate[] surrogates, bool[] detach)
    {
        var models = new[] { NeuronSpec.If(), NeuronSpec.Lif(decayInput: true), NeuronSpec.Lif(tau: 3f, decayInput: false), NeuronSpec.DecayLif() };
        foreach (var model in models)
            foreach (float? vReset in new float?[] { 0f, -0.2f, null })
                foreach (bool strict in new[] { false, true })
                    foreach (bool d in detach)
                        foreach (var surrogate in surrogates)
                            yield return model with { VReset = vReset, FireStrict = strict, DetachReset = d, Surrogate = surrogate };
    }

    /// <summary>
    /// [T=6, n=40] random currents; neurons 0..8 get, at t = 0, the current that charges a zero state exactly to v_th
    /// or one float step either side of it, so H(0) and strict firing are exercised where a rounding slip would flip
    /// a spike (with v_reset = −0.2 they land near, not on, the threshold).
    /// </summary>
    private static Tensor NearThresholdInput(in NeuronSpec spec, ulong seed)
    {
        const int timeSteps = 6, neurons = 40;
        var input = new Rng(seed).Uniform(-0.5f, 1.5f, timeSteps, neurons);
        float vth = spec.VThreshold;
        float[] atThreshold = [vth, MathF.BitIncrement(vth), MathF.BitDecrement(vth)];
        for (int i = 0; i < 9; i++)
            input[0, i] = ZeroStateInputFor(spec, atThreshold[i % 3]);
        return input;
    }

    /// <summary>The x_0 that charges v_0 = 0 to h_0 = target exactly (tau = 2 makes the LIF division exact).</summary>
    private static float ZeroStateInputFor(in NeuronSpec spec, float target) =>
        spec.Model == NeuronModel.Lif && spec.DecayInput ? target * spec.Tau : target;

    private static (Tensor Spikes, Tensor Charged) ReferenceForward(Tensor input, in NeuronSpec spec)
    {
        var spikes = Tensor.ZerosLike(input);
        var charged = Tensor.ZerosLike(input);
        NeuronReference.Forward(input.Span, input.Shape[0], spec, spikes.Span, charged.Span);
        return (spikes, charged);
    }

    private static int[] Shape(bool batched, int batch, int[] matrix) => batched ? [batch, .. matrix] : matrix;

    /// <summary>|expected − actual| ≤ tolerance·max(1, |expected|) element by element.</summary>
    private static void AssertClose(Tensor expected, Tensor actual, float tolerance, string what)
    {
        float[] e = expected.ToArray(), a = actual.ToArray();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
        {
            float allowed = tolerance * MathF.Max(1f, MathF.Abs(e[i]));
            if (!(MathF.Abs(e[i] - a[i]) <= allowed) && !(float.IsNaN(e[i]) && float.IsNaN(a[i])))
                Assert.Fail($"{what}: element {i} is {a[i]:G9}, expected {e[i]:G9} (tolerance {allowed:G3}).");
        }
    }
}
