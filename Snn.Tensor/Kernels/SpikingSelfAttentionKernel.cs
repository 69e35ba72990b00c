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
        if (d == 16 && Vector512.IsHardwareAccelerated)
        {
            // kv row i = Σ_l k[l, i]·v[l, :], one register per row, four rows at a time: each sum is a chain of
            // fused multiply-adds over ascending l, and one chain at a time waited out each one's latency (half
            // the attention's time went to that).
            for (int i = 0; i < 16; i += 4)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int l = 0; l < tokens; l++)
                {
                    float* kl = k + (long)l * dim + i;
                    var vl = Vector512.Load(v + (long)l * dim);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(kl[0]), vl, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Create(kl[1]), vl, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Create(kl[2]), vl, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Create(kl[3]), vl, a3);
                }
                a0.Store(kv + i * 16); a1.Store(kv + i * 16 + 16); a2.Store(kv + i * 16 + 32); a3.Store(kv + i * 16 + 48);
            }
            // Output row l = Σ_i q[l, i]·kv[i, :]·scale, over ascending i; four rows' chains at a time.
            var s = Vector512.Create(scale);
            int first = 0;
            for (; first + 4 <= tokens; first += 4)
            {
                float* q0 = q + (long)first * dim, q1 = q0 + dim, q2 = q1 + dim, q3 = q2 + dim;
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int i = 0; i < 16; i++)
                {
                    var kvi = Vector512.Load(kv + i * 16);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(q0[i]), kvi, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Create(q1[i]), kvi, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Create(q2[i]), kvi, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Create(q3[i]), kvi, a3);
                }
                float* o = output + (long)first * dim;
                (a0 * s).Store(o); (a1 * s).Store(o + dim); (a2 * s).Store(o + 2 * dim); (a3 * s).Store(o + 3 * dim);
            }
            for (int l = first; l < tokens; l++)
            {
                float* ql = q + (long)l * dim;
                var acc = Vector512<float>.Zero;
                for (int i = 0; i < 16; i++) acc = Vector512.FusedMultiplyAdd(Vector512.Create(ql[i]), Vector512.Load(kv + i * 16), acc);
                (acc * s).Store(output + (long)l * dim);
            }
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
