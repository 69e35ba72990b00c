// Spikformer attention in training, straight on tokens, against the composed graph it replaces: same bits, values and gradients.
using Snn.Autograd;
using Snn.Tests.Kernels;

namespace Snn.Tests.Transformers;

[Collection(ThreadCountCollection.Name)]
public class AttentionTrainKernelTests
{
    /// <summary>Split heads, Q·Kᵀ, ·V, scale, merge heads: the graph F.SpikingSelfAttentionTokens built before it had a kernel.</summary>
    private static Variable Composed(Variable q, Variable k, Variable v, int heads, float scale)
    {
        var s = q.Data.ShapeArray();
        Variable Split(Variable x) => F.Permute(F.Reshape(x, s[0], s[1], s[2], heads, s[3] / heads), 0, 1, 3, 2, 4);
        return F.Reshape(F.Permute(F.SpikingSelfAttention(Split(q), Split(k), Split(v), scale), 0, 1, 3, 2, 4), s);
    }

    private static (float[] Output, float[] Q, float[] K, float[] V) Run(Func<Variable, Variable, Variable, Variable> attention, int seed, int[] shape)
    {
        var rng = new Rng((ulong)seed);
        var (q, k, v) = (Variable.Parameter(rng.Uniform(-1f, 1f, shape)), Variable.Parameter(rng.Uniform(-1f, 1f, shape)), Variable.Parameter(rng.Uniform(-1f, 1f, shape)));
        var weights = Variable.Constant(rng.Uniform(-1f, 1f, shape));
        var y = attention(q, k, v);
        F.SumAll(F.Multiply(y, weights)).Backward();
        return (y.Data.Contiguous().Span.ToArray(), q.Grad!.Contiguous().Span.ToArray(), k.Grad!.Contiguous().Span.ToArray(), v.Grad!.Contiguous().Span.ToArray());
    }

    [Theory]
    // T, N, tokens, dim, heads, threads
    [InlineData(2, 3, 49, 64, 4, 2)]
    [InlineData(1, 2, 9, 24, 3, 3)]
    [InlineData(2, 1, 100, 64, 2, 2)]   // 100²·32 multiply-adds per product: the composed path splits each product over threads
    [InlineData(2, 2, 5, 8, 1, 1)]
    [InlineData(2, 1, 100, 64, 4, 2)]   // 16-feature heads (the AVX-512 loops) over 100 tokens: 4-token blocks, a ragged last score vector
    [InlineData(1, 2, 3, 32, 2, 1)]     // 16-feature heads over 3 tokens: tail rows only
    public void Tokens_WithAGraph_IsBitIdenticalToTheComposedGraph_ValuesAndGradients(int t, int n, int tokens, int dim, int heads, int threads)
    {
        using var threadCount = ThreadCount.Set(threads);
        int[] shape = [t, n, tokens, dim];
        var want = Run((q, k, v) => Composed(q, k, v, heads, 0.125f), tokens + dim, shape);
        var got = Run((q, k, v) => F.SpikingSelfAttentionTokens(q, k, v, heads, 0.125f), tokens + dim, shape);
        Assert.Equal(want.Output, got.Output);
        Assert.Equal(want.V, got.V);
        Assert.Equal(want.Q, got.Q);
        Assert.Equal(want.K, got.K);
        Assert.Contains(want.K, g => Math.Abs(g) > 1e-3f);
    }

    [Fact]
    public void Tokens_RejectsScoresOfTheWrongSize_NamingThem()
    {
        var error = Assert.Throws<ArgumentException>(() => Snn.Kernels.SpikingSelfAttentionTrainKernel.Forward(
            new float[2 * 4 * 8], new float[2 * 4 * 8], new float[2 * 4 * 8], 2, 4, 8, 2, 0.125f, new float[10], new float[2 * 4 * 8]));
        Assert.Contains("scores hold 10 values", error.Message);
    }
}
