// The fused neuron kernel against the scalar reference, over every neuron setting, width and thread count.
using Snn.Backends;
using Snn.Kernels;

namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class NeuronKernelTests
{
    private const int TimeSteps = 6;
    private static readonly int[] NeuronCounts = [1, 17, 1000];

    /// <summary>Every charge equation × reset × detach × strictness × surrogate, 128 settings.</summary>
    public static TheoryData<string> Settings()
    {
        var data = new TheoryData<string>();
        foreach (var spec in AllSpecs()) data.Add(Describe(spec));
        return data;
    }

    private static IEnumerable<NeuronSpec> AllSpecs()
    {
        Surrogate[] surrogates = [Surrogate.ATan(), Surrogate.Sigmoid(), Surrogate.Rectangle(), Surrogate.DSpike()];
        NeuronSpec[] models =
        [
            NeuronSpec.If(),
            NeuronSpec.Lif(tau: 2f, decayInput: true),
            NeuronSpec.Lif(tau: 3f, decayInput: false),
            // A power of two the kernels multiply by the reciprocal of (ExactReciprocalTau), and one they divide by.
            NeuronSpec.Lif(tau: 0.5f, decayInput: false),
            NeuronSpec.Lif(tau: 3f, decayInput: true),
            NeuronSpec.DecayLif(decay: 0.25f),
        ];
        foreach (var model in models)
            foreach (float? vReset in new float?[] { 0f, null })
                foreach (bool detach in new[] { true, false })
                    foreach (bool strict in new[] { false, true })
                        foreach (var surrogate in surrogates)
                            yield return model with { VReset = vReset, DetachReset = detach, FireStrict = strict, Surrogate = surrogate };
    }

    private static string Describe(NeuronSpec s) =>
        $"{s.Model}|{s.Tau}|{s.DecayInput}|{s.VReset?.ToString() ?? "soft"}|{s.DetachReset}|{s.FireStrict}|{s.Surrogate.Kind}";

    private static NeuronSpec Parse(string name) => AllSpecs().Single(s => Describe(s) == name);

    /// <summary>Inputs drawn so that many charges land exactly on the threshold (x = v_th, or x = v_th·tau through 1/tau).</summary>
    private static float[] Inputs(NeuronSpec spec, int n, int seed)
    {
        var random = new Random(seed);
        float[] exact = [spec.VThreshold, spec.VThreshold * spec.Tau, 0f, -spec.VThreshold];
        var x = new float[TimeSteps * n];
        for (int k = 0; k < x.Length; k++)
            x[k] = random.Next(3) == 0 ? exact[random.Next(exact.Length)] : (float)(random.NextDouble() * 3 - 1);
        return x;
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Forward_IsBitIdenticalToReference_ForEveryWidthAndOddSizes(string setting)
    {
        var spec = Parse(setting);
        foreach (int n in NeuronCounts)
        {
            float[] x = Inputs(spec, n, n);
            var (wantS, wantH) = (new float[x.Length], new float[x.Length]);
            NeuronReference.Forward(x, TimeSteps, spec, wantS, wantH);
            if (n == 1000) Assert.Contains(wantH, h => h == spec.VThreshold);
            foreach (int lanes in new[] { 16, 8, NeuronKernel.PreferredLanes })
            {
                var (s, h) = (new float[x.Length], new float[x.Length]);
                NeuronKernel.Forward(x, TimeSteps, spec, s, h, default, lanes);
                Assert.Equal(wantS, s);
                Assert.Equal(wantH, h);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void ForwardSpikes_OfRepeatedStep_IsBitIdenticalToForwardOfCopies_WithCarriedMembrane(string setting)
    {
        var spec = Parse(setting);
        foreach (int n in NeuronCounts)
        {
            float[] step = Inputs(spec, n, n + 1)[..n];
            float[] copies = Enumerable.Range(0, TimeSteps).SelectMany(_ => step).ToArray();
            float[] wantMembrane = Enumerable.Range(0, n).Select(i => (i % 5) * 0.3f - 0.4f).ToArray();
            var (wantS, wantH) = (new float[copies.Length], new float[copies.Length]);
            float[] startMembrane = (float[])wantMembrane.Clone();
            NeuronReference.Forward(copies, TimeSteps, spec, wantS, wantH, wantMembrane);
            foreach (int lanes in new[] { 16, 8, 1 })
            {
                var s = Enumerable.Repeat(7f, copies.Length).ToArray();
                float[] membrane = (float[])startMembrane.Clone();
                NeuronKernel.Forward(step, TimeSteps, spec, s, default, membrane, lanes);
                Assert.True(wantS.SequenceEqual(s), $"n {n} lanes {lanes}: {string.Join(",", s.Take(12))} want {string.Join(",", wantS.Take(12))}");
                Assert.Equal(wantMembrane, membrane);
            }
            var full = new float[copies.Length];
            NeuronKernel.ForwardSpikes(copies, TimeSteps, spec, full);
            NeuronReference.Forward(copies, TimeSteps, spec, wantS, wantH);
            Assert.Equal(wantS, full);
        }
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Backward_MatchesReference_Within1e5_ForEveryWidthAndOddSizes(string setting)
    {
        var spec = Parse(setting);
        foreach (int n in NeuronCounts)
        {
            float[] x = Inputs(spec, n, n + 1);
            var (s, h) = (new float[x.Length], new float[x.Length]);
            NeuronReference.Forward(x, TimeSteps, spec, s, h);
            var random = new Random(n);
            float[] gradSpikes = Enumerable.Range(0, x.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var want = new float[x.Length];
            NeuronReference.Backward(gradSpikes, h, TimeSteps, spec, want);
            foreach (int lanes in new[] { 16, 8, NeuronKernel.PreferredLanes })
            {
                var got = new float[x.Length];
                NeuronKernel.Backward(gradSpikes, h, TimeSteps, spec, got, lanes);
                for (int k = 0; k < want.Length; k++)
                    Assert.True(Math.Abs(got[k] - want[k]) <= 1e-5 * (1 + Math.Abs(want[k])), $"lanes {lanes}, n {n}, k {k}: {got[k]} vs {want[k]}");
            }
        }
    }

    [Fact]
    public void Results_AreBitIdentical_OnOneAndTwoThreads()
    {
        var spec = NeuronSpec.Lif(surrogate: Surrogate.Sigmoid());
        int n = 100_003;
        float[] x = Inputs(spec, n, 7);
        float[] gradSpikes = Inputs(spec, n, 8);
        int saved = Parallelism.Threads;
        try
        {
            var runs = new List<float[]>();
            foreach (int threads in new[] { 1, 2 })
            {
                Parallelism.Threads = threads;
                var (s, h, gx) = (new float[x.Length], new float[x.Length], new float[x.Length]);
                NeuronKernel.Forward(x, TimeSteps, spec, s, h);
                NeuronKernel.Backward(gradSpikes, h, TimeSteps, spec, gx);
                runs.Add([.. s, .. h, .. gx]);
            }
            Assert.Equal(runs[0], runs[1]);
        }
        finally { Parallelism.Threads = saved; }
    }

    [Fact]
    public void CpuBackend_NeuronForwardBackward_EqualTheKernel()
    {
        var spec = NeuronSpec.DecayLif();
        float[] x = Inputs(spec, 33, 3);
        var backend = new CpuBackend();
        var (s, h, gx) = (Tensor.Zeros(TimeSteps, 33), Tensor.Zeros(TimeSteps, 33), Tensor.Zeros(TimeSteps, 33));
        backend.NeuronForward(new Tensor(x, TimeSteps, 33), spec, s, h);
        backend.NeuronBackward(Tensor.Ones(TimeSteps, 33), h, spec, gx);
        var (wantS, wantH, wantGx) = (new float[x.Length], new float[x.Length], new float[x.Length]);
        NeuronKernel.Forward(x, TimeSteps, spec, wantS, wantH);
        NeuronKernel.Backward(Enumerable.Repeat(1f, x.Length).ToArray(), wantH, TimeSteps, spec, wantGx);
        Assert.Equal(wantS, s.ToArray());
        Assert.Equal(wantGx, gx.ToArray());
    }

    /// <summary>
    /// The batch-norm-then-neurons pass against the batch norm's rounding done first and the plain kernel after:
    /// spikes and ∂L/∂current bit-identical, for every setting, on a period that fills 16 lanes (24000 neurons: several
    /// recompute blocks), one that fills only 8 (24) and one that fills neither (20, the scalar path).
    /// </summary>
    [Theory]
    [MemberData(nameof(Settings))]
    public void Normalised_EqualsBatchNormRoundingThenTheKernel_BitForBit(string setting)
    {
        var spec = Parse(setting);
        foreach (var (period, n) in new[] { (48, 24000), (24, 72), (20, 60) })
        {
            var random = new Random(period);
            float[] u = Inputs(spec, n, period).Select(v => v * 1.7f + 0.3f).ToArray();
            float[] normalise = Enumerable.Range(0, 3 * period).Select(k => k < period ? 0.3f - (k % 7) * 0.05f
                : k < 2 * period ? 0.6f + (float)random.NextDouble() : (float)random.NextDouble() - 0.5f).ToArray();
            float[] currents = u.Select((v, k) => (v - normalise[k % n % period]) * normalise[period + k % n % period] + normalise[2 * period + k % n % period]).ToArray();
            float[] gradSpikes = Enumerable.Range(0, u.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            foreach (int lanes in new[] { 16, 8, 1 })
            {
                var (wantS, h, wantGx) = (new float[u.Length], new float[u.Length], new float[u.Length]);
                // The path the kernel takes: vectors when a block of lanes stays inside one period.
                int used = period % lanes == 0 ? lanes : 1;
                NeuronKernel.Forward(currents, TimeSteps, spec, wantS, h, default, used);
                NeuronKernel.Backward(gradSpikes, h, TimeSteps, spec, wantGx, used);
                var (s, gx) = (new float[u.Length], new float[u.Length]);
                NeuronKernel.ForwardNormalised(u, TimeSteps, spec, normalise, s, lanes);
                NeuronKernel.BackwardNormalised(gradSpikes, u, TimeSteps, spec, normalise, gx, lanes);
                Assert.True(wantS.AsSpan().SequenceEqual(s), $"spikes, period {period}, lanes {lanes}");
                Assert.True(wantGx.AsSpan().SequenceEqual(gx), $"gradient, period {period}, lanes {lanes}");
            }
        }
    }

    [Fact]
    public void Normalised_ThrowsWhenThePeriodDoesNotDivideAStep()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            NeuronKernel.ForwardNormalised(new float[2 * 10], 2, NeuronSpec.Lif(), new float[3 * 4], new float[2 * 10]));
        Assert.Contains("P dividing the 10 neurons", ex.Message);
    }

    [Fact]
    public void Forward_ThrowsWhenLengthDoesNotSplitIntoTimeSteps()
    {
        var ex = Assert.Throws<ArgumentException>(() => NeuronKernel.Forward(new float[10], 3, NeuronSpec.Lif(), new float[10], new float[10]));
        Assert.Contains("3 time steps", ex.Message);
    }
}
