// Spikformer's attention core for inference, straight on tokens: no head split, transpose or merge copies.
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// out = Q·(Kᵀ·V)·scale per head, reading q, k, v as tokens [B, L, D] (B = T·N, D = heads·d, head h owns features
/// h·d … h·d + d − 1) and writing the merged [B, L, D] layout. Kᵀ·V [d, d] is summed over tokens in ascending
/// order with fused multiply-adds from zero, and so is each output row over i, exactly as <see cref="Gemm"/> computes
/// the two products, so results are bit-identical to the composed path (split heads, matmul, matmul, merge, scale).
/// Threads take whole (sample, head) pairs.
/// </summary>
public static unsafe class SpikingSelfAttentionKernel
{
    public static void Forward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int batch, int tokens, int dim, int heads, float scale, Span<float> output)
    {
        if (heads < 1 || dim % heads != 0) throw new ArgumentException($"SpikingSelfAttentionKernel: {dim} features do not split into {heads} heads.");
        long length = (long)batch * tokens * dim;
        if (q.Length != length || k.Length != length || v.Length != length || output.Length != length)
            throw new ArgumentException($"SpikingSelfAttentionKernel: q, k, v and output must hold [{batch}, {tokens}, {dim}] = {length} values.");
        int d = dim / heads;
        fixed (float* pq = q, pk = k, pv = v, po = output)
        {
            float* qp = pq, kp = pk, vp = pv, op = po;
            Parallelism.For(batch * heads, Math.Max(1, 4096 / Math.Max(1, tokens * d)), (p0, p1) =>
            {
                float* kv = stackalloc float[d * d];
                for (int pair = p0; pair < p1; pair++)
                {
                    int b = pair / heads, h = pair % heads;
                    long at = (long)b * tokens * dim + h * d;
                    Head(qp + at, kp + at, vp + at, tokens, dim, d, scale, kv, op + at);
                }
            });
        }
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
