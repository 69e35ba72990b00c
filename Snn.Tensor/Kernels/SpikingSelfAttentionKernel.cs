// Spikformer's attention core for inference, straight on tokens: no head split, transpose or merge copies.
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// out = Q·(Kᵀ·V)·scale per head, reading q, k, v as tokens [B, L, D] (B = T·N, D = heads·d, head h owns features
/// h·d … h·d + d − 1) and writing the merged [B, L, D] layout. Kᵀ·V [d, d] is summed over tokens in ascending
/// order with fused multiply-adds from zero, and so is each output row over i, exactly as <see cref="Gemm"/> computes
/// the two products, so results are bit-identical to the composed path (split heads, matmul, matmul, merge, scale).
/// Threads take whole (image, head) pairs, a sample's steps together (<see cref="Pair"/>).
/// </summary>
public static unsafe class SpikingSelfAttentionKernel
{
    /// <param name="batch">Images: <paramref name="steps"/> steps of whole samples, time-major (image t·N + n is sample n
    /// at step t).</param>
    public static void Forward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int batch, int tokens, int dim, int heads, float scale,
        Span<float> output, int steps = 1)
    {
        if (heads < 1 || dim % heads != 0) throw new ArgumentException($"SpikingSelfAttentionKernel: {dim} features do not split into {heads} heads.");
        long length = (long)batch * tokens * dim;
        if (q.Length != length || k.Length != length || v.Length != length || output.Length != length)
            throw new ArgumentException($"SpikingSelfAttentionKernel: q, k, v and output must hold [{batch}, {tokens}, {dim}] = {length} values.");
        if (steps < 1 || batch % steps != 0)
            throw new ArgumentException($"SpikingSelfAttentionKernel: {batch} images are not {steps} steps of whole samples.");
        int d = dim / heads;
        fixed (float* pq = q, pk = k, pv = v, po = output)
        {
            float* qp = pq, kp = pk, vp = pv, op = po;
            Parallelism.For(batch * heads, Math.Max(1, 4096 / Math.Max(1, tokens * d)), (p0, p1) =>
            {
                float* kv = stackalloc float[d * d];
                for (int pair = p0; pair < p1; pair++)
                {
                    var (b, h) = Pair(pair, heads, steps, batch);
                    long at = (long)b * tokens * dim + h * d;
                    Head(qp + at, kp + at, vp + at, tokens, dim, d, scale, kv, op + at);
                }
            });
        }
    }

    /// <summary>
    /// The (image, head) of pair number <paramref name="pair"/> of <paramref name="batch"/> · <paramref name="heads"/>,
    /// numbered sample by sample (each sample's steps, each step's heads), so a thread's contiguous run of pairs is
    /// whole samples at every step, as the layers around attention split their work (the linear layers and neurons
    /// take token rows at all steps). Numbered step by step, one thread read the first steps of every sample and the
    /// other the last, half of them written by the other core: Spikformer-2-64's inference batch on two threads,
    /// three processes of 21 paired runs each toggling the order, 14.38 / 14.02 / 14.24 → 13.80 / 13.80 / 14.05 ms.
    /// Training's kernel (<see cref="SpikingSelfAttentionTrainKernel"/>) keeps the step-by-step order: numbered this way
    /// its two-thread step was no faster (six processes of 15 paired runs: slower in four, by up to 4%).
    /// </summary>
    internal static (int image, int head) Pair(int pair, int heads, int steps, int batch)
    {
        int perSample = steps * heads, sample = pair / perSample, rest = pair % perSample;
        return (rest / heads * (batch / steps) + sample, rest % heads);
    }

    /// <summary>One head: rows l of q, k, v, out start at l·dim.</summary>
    private static void Head(float* q, float* k, float* v, int tokens, int dim, int d, float scale, float* kv, float* output)
    {
        if (d == AttentionHead16.Features && Vector512.IsHardwareAccelerated)
        {
            // kv = Kᵀ·V [16, 16], then out = Q·kv·scale, four chains of fused multiply-adds at a time (one chain at
            // a time waited out each one's latency; half the attention's time went to that).
            AttentionHead16.TransposedTimes(k, dim, d, tokens, v, dim, kv, d);
            AttentionHead16.Times(q, dim, tokens, d, kv, d, scale, output, dim);
            return;
        }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
            {
                float acc = 0;
                for (int l = 0; l < tokens; l++) acc = MathF.FusedMultiplyAdd(k[(long)l * dim + i], v[(long)l * dim + j], acc);
                kv[i * d + j] = acc;
            }
        for (int l = 0; l < tokens; l++)
            for (int j = 0; j < d; j++)
            {
                float acc = 0;
                for (int i = 0; i < d; i++) acc = MathF.FusedMultiplyAdd(q[(long)l * dim + i], kv[i * d + j], acc);
                output[(long)l * dim + j] = acc * scale;
            }
    }
}
