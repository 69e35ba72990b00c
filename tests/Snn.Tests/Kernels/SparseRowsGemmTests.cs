// The zero-skipping product for spike inputs against the dense GEMM it stands in for.
using System.Runtime.Intrinsics;
using Snn.Autograd;
using Snn.Kernels;

namespace Snn.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class SparseRowsGemmTests
{
    /// <summary>Mostly-zero inputs: 20% spikes, 25% spike counts 1–3, 33% reals in (−2, 2).</summary>
    private static Func<float>[] InputKinds(Random random) =>
        [() => random.Next(5) == 0 ? 1f : 0f, () => random.Next(4) == 0 ? random.Next(1, 4) : 0f,
            () => random.Next(3) == 0 ? (float)(random.NextDouble() * 4 - 2) : 0f];

    [Theory]
    [InlineData(200, 64, 64, 1)]
    [InlineData(97, 64, 256, 2)]
    [InlineData(33, 10, 37, 1)]
    [InlineData(50, 100, 250, 2)]
    [InlineData(256, 10, 3136, 2)]   // csnn's classifier: Gemm splits the depth into 16 slices of 196
    [InlineData(40, 70, 2100, 1)]    // slices of 132, the last 120
    [InlineData(2, 2, 1000, 1)]      // a small product: one chain over all 1000
    public void SparseRows_IsBitIdenticalToGemm_OnSpikesCountsAndSparseReals(int m, int n, int k, int threads)
    {
        var random = new Random(m + n + k);
        float[] w = Enumerable.Range(0, k * n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        using var threadCount = ThreadCount.Set(threads);
        foreach (var kind in InputKinds(random))
        {
            float[] x = Enumerable.Range(0, m * k).Select(_ => kind()).ToArray();
            Assert.Equal(Vector512.IsHardwareAccelerated, SparseRowsGemm.Worthwhile(x, m, n, k));   // only with 512-bit vectors
            float[] want = new float[m * n], got = Enumerable.Repeat(float.NaN, m * n).ToArray();
            Gemm.Multiply(false, false, m, n, k, x, k, w, n, 0f, want, n);
            SparseRowsGemm.Multiply(x, w, m, n, k, got);
            Assert.Equal(want, got);
            // Rows as steps of whole samples (two steps, or m steps of one), split by sample: the same bits.
            var bySample = Enumerable.Repeat(float.NaN, m * n).ToArray();
            SparseRowsGemm.Multiply(x, w, m, n, k, bySample, default, steps: m % 2 == 0 ? 2 : m);
            Assert.Equal(want, bySample);
            // With a bias: the same bits as the product followed by a separate add.
            float[] bias = Enumerable.Range(0, n).Select(j => 0.37f * j - 5f).ToArray(), withBias = new float[m * n];
            SparseRowsGemm.Multiply(x, w, m, n, k, withBias, bias);
            Assert.Equal(Enumerable.Range(0, m * n).Select(i => want[i] + bias[i % n]).ToArray(), withBias);
        }
    }

    [Fact]
    public void Worthwhile_RejectsDenseInputs_AndDepthsGemmSumsInBlocksThatAddIntoC()
    {
        Assert.False(SparseRowsGemm.Worthwhile(Enumerable.Repeat(1f, 64 * 8).ToArray(), 8, 16, 64));
        Assert.Equal(0, Gemm.ChainDepth(2, 16, 300));
        Assert.False(SparseRowsGemm.Worthwhile(new float[2 * 300], 2, 16, 300));
        Assert.Contains("blocks", Assert.Throws<ArgumentException>(() =>
            SparseRowsGemm.Multiply(new float[2 * 300], new float[300 * 16], 2, 16, 300, new float[2 * 16])).Message);
    }

    [Fact]
    public void Worthwhile_SamplesRowsFromTheWholeInput()
    {
        // A time-major input whose first step is silent and whose other steps are three quarters ones.
        int rows = 4 * 100, k = 64;
        float[] x = Enumerable.Range(0, rows * k).Select(i => i >= 100 * k && i % 4 != 0 ? 1f : 0f).ToArray();
        Assert.False(SparseRowsGemm.Worthwhile(x, rows, 16, k));
        for (int i = 100 * k; i < x.Length; i++) x[i] = i % 8 == 0 ? 1f : 0f;
        Assert.Equal(Vector512.IsHardwareAccelerated, SparseRowsGemm.Worthwhile(x, rows, 16, k));
    }

    [Fact]
    public void Linear_OnSpikes_HasTheDenseProductsBits_WithAndWithoutAGraph()
    {
        var random = new Random(9);
        var x = Variable.Parameter(new Tensor(Enumerable.Range(0, 4 * 7 * 64).Select(_ => random.Next(4) == 0 ? 1f : 0f).ToArray(), 4, 7, 64));
        var rng = new Rng(2);
        var (w, b) = (Variable.Parameter(rng.Uniform(-1f, 1f, 48, 64)), Variable.Parameter(rng.Uniform(-1f, 1f, 48)));
        Assert.Equal(Vector512.IsHardwareAccelerated, SparseRowsGemm.Worthwhile(x.Data.Span, 28, 48, 64));
        var want = new float[28 * 48];
        Gemm.Multiply(false, true, 28, 48, 64, x.Data.Span, 64, w.Data.Span, 64, 0f, want, 48);
        for (int i = 0; i < want.Length; i++) want[i] += b.Data.Span[i % 48];
        Assert.Equal(want, F.Linear(x, w, b).Data.Span.ToArray());
        using (GradMode.NoGrad()) Assert.Equal(want, F.Linear(x, w, b).Data.Span.ToArray());
    }

    [Theory]
    [InlineData(300, 64, 64, 1)]
    [InlineData(300, 64, 64, 2)]
    [InlineData(97, 37, 70, 2)]
    [InlineData(1000, 256, 20, 3)]
    [InlineData(2000, 48, 64, 2)]    // four chunks, uneven
    [InlineData(40, 16, 3000, 2)]   // a depth past one GEMM block: the scratch for a row's nonzeros is not on the stack
    [InlineData(12544, 64, 64, 2, 4)] // Spikformer's shape, time-major: chunks of samples with all four steps
    [InlineData(2001, 48, 64, 3, 3)]  // samples that do not split evenly into the chunks
    public void WeightGradient_MatchesGemm_OnSpikesCountsAndSparseReals(int m, int n, int k, int threads, int steps = 1)
    {
        var random = new Random(m + n + k);
        float[] dy = Enumerable.Range(0, m * n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        using var threadCount = ThreadCount.Set(threads);
        foreach (var kind in InputKinds(random))
        {
            float[] x = Enumerable.Range(0, m * k).Select(_ => kind()).ToArray();
            float[] want = new float[n * k], got = Enumerable.Repeat(float.NaN, n * k).ToArray();
            Gemm.Multiply(true, false, n, k, m, dy, n, x, k, 0f, want, k);
            SparseRowsGemm.WeightGradient(x, dy, m, n, k, got, steps);
            SpikeConv2dKernelTests.AssertClose(want, got, "gradWeight");
            var again = new float[n * k];
            SparseRowsGemm.WeightGradient(x, dy, m, n, k, again, steps);
            Assert.Equal(got, again);
        }
    }

    [Fact]
    public void Linear_OnSpikes_WeightGradient_MatchesTheDenseProduct()
    {
        var random = new Random(4);
        var x = Variable.Parameter(new Tensor(Enumerable.Range(0, 4 * 50 * 64).Select(_ => random.Next(5) == 0 ? 1f : 0f).ToArray(), 4, 50, 64));
        var rng = new Rng(3);
        var (w, b) = (Variable.Parameter(rng.Uniform(-1f, 1f, 48, 64)), Variable.Parameter(rng.Uniform(-1f, 1f, 48)));
        var seed = rng.Uniform(-1f, 1f, 4, 50, 48);
        F.Linear(x, w, b).Backward(seed);
        var want = new float[48 * 64];
        Gemm.Multiply(true, false, 48, 64, 200, seed.Span, 48, x.Data.Span, 64, 0f, want, 64);
        SpikeConv2dKernelTests.AssertClose(want, w.Grad!.Span.ToArray(), "w.Grad");
    }

    [Fact]
    public void WeightGradient_WhoseRowsAreNotWholeSteps_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => SparseRowsGemm.WeightGradient(new float[10 * 4], new float[10 * 2], 10, 2, 4, new float[8], steps: 4));
        Assert.Contains("10 rows are not 4 steps", ex.Message);
    }
}
