// How the attention products of spiking transformers are counted as synaptic operations.
namespace Snn.Layers.Attention;

/// <summary>
/// Attention multiplies activations by activations, so no conv/linear layer sees it; the attention blocks record
/// it themselves through these functions, in the units of <see cref="SynapticActivity"/> (per sample-step:
/// dense MACs and an effective firing rate, so that ModelReport's ACs = MACs × rate).
/// Shapes: q, k, v [T, N, heads, L, d] with D = heads·d.
/// </summary>
public static class AttentionSops
{
    /// <summary>
    /// SSA (Spikformer, Spikingformer) as the Spikingformer energy calculator counts it: without softmax
    /// (Q·Kᵀ)·V = Q·(Kᵀ·V), two products of heads·L·d² MACs each per step. Kᵀ·V is driven by coincident K and V
    /// spikes, charged at min(rate K, rate V); Q·(Kᵀ·V) at rate Q, as Q is the spike operand there.
    /// ACs per image = T·heads·L·d²·(min(r_K, r_V) + r_Q). Rates are over the whole batch, as the calculator's.
    /// </summary>
    public static SynapticActivity SpikingSelfAttention(Tensor q, Tensor k, Tensor v)
    {
        var (sampleSteps, heads, tokens, headDim) = Geometry(q);
        double rate = (Math.Min(Rate(k), Rate(v)) + Rate(q)) / 2;
        long macs = 2L * heads * tokens * headDim * headDim;
        return Build(q, k, v, macs, rate, sampleSteps);
    }

    /// <summary>
    /// SDSA (Spike-driven Transformer): K ⊙ V and Q ⊙ (·) are masks (AND gates), which the paper does not count as
    /// synaptic operations; the only additions are the column sum Σ_tokens K ⊙ V, L·D per step dense, one per
    /// non-zero of K ⊙ V. ACs per image = T·L·D·rate(K ⊙ V).
    /// </summary>
    public static SynapticActivity SpikeDrivenSelfAttention(Tensor q, Tensor k, Tensor v)
    {
        var (sampleSteps, heads, tokens, headDim) = Geometry(q);
        var ks = k.Contiguous().Span;
        var vs = v.Contiguous().Span;
        long both = 0;
        for (int i = 0; i < ks.Length; i++) if (ks[i] != 0f && vs[i] != 0f) both++;
        return Build(q, k, v, (long)heads * tokens * headDim, ks.Length == 0 ? 0 : (double)both / ks.Length, sampleSteps);
    }

    private static SynapticActivity Build(Tensor q, Tensor k, Tensor v, long macsPerSampleStep, double rate, long sampleSteps)
    {
        int inputsPerSampleStep = (int)(q.Length / sampleSteps);
        bool binary = IsBinary(q) && IsBinary(k) && IsBinary(v);
        return new SynapticActivity(macsPerSampleStep, inputsPerSampleStep, binary, rate * q.Length, q.Length);
    }

    private static (long sampleSteps, int heads, int tokens, int headDim) Geometry(Tensor q)
    {
        if (q.Rank != 5) throw new ArgumentException($"AttentionSops: expected [T, N, heads, L, d], got {Tensor.ShapeText(q.Shape)}.");
        return ((long)q.Shape[0] * q.Shape[1], q.Shape[2], q.Shape[3], q.Shape[4]);
    }

    private static double Rate(Tensor x) => x.Length == 0 ? 0 : Ops.SumAll(x) / x.Length;

    private static bool IsBinary(Tensor x)
    {
        foreach (float value in x.Contiguous().Span) if (value != 0f && value != 1f) return false;
        return true;
    }
}
