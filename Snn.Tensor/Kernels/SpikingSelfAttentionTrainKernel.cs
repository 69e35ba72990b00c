// Spikformer's attention core for training, straight on tokens: the head split, transpose and merge copies go away.
using System.Runtime.Intrinsics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn.Kernels;

/// <summary>
/// out_h = scale·(Q_h·K_hᵀ)·V_h per (sample, head), reading q, k, v as tokens [B, L, D] (B = T·N, D = heads·d, head h
/// owns features h·d … h·d + d − 1) and writing the merged [B, L, D] layout; the scores Q_h·K_hᵀ [B, heads, L, L]
/// are kept for backward. Each product is the <see cref="Gemm"/> call the composed graph makes (split heads, matmul,
/// matmul, scale, merge heads) with the same shapes and operands, read through row strides instead of from copies,
/// so values and gradients are bit-identical to it. The copies were the largest memory-bound cost of a Spikformer
/// training step that did not scale on two threads (strided copies: 57 ms of CPU per step on one thread, 89 on two);
/// without them the Spikformer-2-64 step took 4–8% less time on one and two threads (in-process A/B) and 150 MB less
/// peak memory. Threads take whole (sample, head) pairs, each product on one thread, as the composed batched matmul
/// does. Heads of 16 features on AVX-512 run the products as <see cref="AttentionHead16"/> loops, the same chains
/// of fused multiply-adds without Gemm's packing and tile padding.
/// </summary>
public static unsafe class SpikingSelfAttentionTrainKernel
{
    [ThreadStatic] private static float[]? t_gradOut, t_gradScores, t_gradKeysT, t_transposed;

    private static bool Head16(int d) => d == AttentionHead16.Features && Vector512.IsHardwareAccelerated;

    public static void Forward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int batch, int tokens, int dim, int heads,
        float scale, Span<float> scores, Span<float> output)
    {
        int d = Check(q.Length, k.Length, v.Length, output.Length, scores.Length, batch, tokens, dim, heads);
        fixed (float* pq = q, pk = k, pv = v, ps = scores, po = output)
        {
            float* qp = pq, kp = pk, vp = pv, sp = ps, op = po;
            long length = q.Length;
            ForPairs(batch, heads, tokens, d, (b, h) =>
            {
                long at = (long)b * tokens * dim + h * d, s = ((long)b * heads + h) * tokens * tokens;
                if (Head16(d))
                {
                    fixed (float* kT = ThreadBuffer.Grow(ref t_transposed, d * AttentionHead16.Padded(tokens)))
                    {
                        AttentionHead16.Transpose(kp + at, dim, tokens, kT);
                        AttentionHead16.Scores(qp + at, dim, kT, tokens, sp + s);
                    }
                    AttentionHead16.Times(sp + s, tokens, tokens, tokens, vp + at, dim, scale, op + at, dim);
                    return;
                }
                var a = new Span<float>(sp + s, tokens * tokens);
                // A = Q·Kᵀ: the composed path multiplies by K transposed into a copy; packing op(B) reads the same values.
                Gemm.Multiply(false, true, tokens, tokens, d, Rest(qp, at, length), dim, Rest(kp, at, length), dim, 0f, a, tokens, threads: 1);
                var o = new Span<float>(op + at, (int)(length - at));
                Gemm.Multiply(false, false, tokens, d, tokens, a, tokens, Rest(vp, at, length), dim, 0f, o, dim, threads: 1);
                for (int l = 0; l < tokens; l++) TP.Multiply(o.Slice(l * dim, d), scale, o.Slice(l * dim, d));
            });
        }
    }

    /// <summary>
    /// From ∂out [B, L, D], the inputs and the saved scores: ∂Q, ∂K, ∂V [B, L, D] (overwritten). With G = scale·∂out_h:
    /// ∂A = G·V_hᵀ, ∂V_h = Aᵀ·G, ∂Q_h = ∂A·K_h, ∂K_h = (Q_hᵀ·∂A)ᵀ.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        ReadOnlySpan<float> scores, int batch, int tokens, int dim, int heads, float scale, Span<float> gradQ, Span<float> gradK, Span<float> gradV)
    {
        int d = Check(q.Length, k.Length, v.Length, gradOutput.Length, scores.Length, batch, tokens, dim, heads);
        if (gradQ.Length != q.Length || gradK.Length != q.Length || gradV.Length != q.Length)
            throw new ArgumentException($"SpikingSelfAttentionTrainKernel: gradQ, gradK and gradV must hold {q.Length} values.");
        fixed (float* pgo = gradOutput, pq = q, pk = k, pv = v, ps = scores, pgq = gradQ, pgk = gradK, pgv = gradV)
        {
            float* gop = pgo, qp = pq, kp = pk, vp = pv, sp = ps, gqp = pgq, gkp = pgk, gvp = pgv;
            long length = q.Length;
            ForPairs(batch, heads, tokens, d, (b, h) =>
            {
                long at = (long)b * tokens * dim + h * d, s = ((long)b * heads + h) * tokens * tokens;
                var a = new ReadOnlySpan<float>(sp + s, tokens * tokens);
                var g = ThreadBuffer.Grow(ref t_gradOut, tokens * d);
                for (int l = 0; l < tokens; l++) TP.Multiply(new ReadOnlySpan<float>(gop + at + (long)l * dim, d), scale, g.Slice(l * d, d));
                var ga = ThreadBuffer.Grow(ref t_gradScores, tokens * tokens);
                if (Head16(d))
                {
                    fixed (float* gp = g, gap = ga, vT = ThreadBuffer.Grow(ref t_transposed, d * AttentionHead16.Padded(tokens)))
                    {
                        AttentionHead16.Transpose(vp + at, dim, tokens, vT);
                        AttentionHead16.Scores(gp, d, vT, tokens, gap);
                        AttentionHead16.TransposedTimes(sp + s, tokens, tokens, tokens, gp, d, gvp + at, dim);
                        AttentionHead16.Times(gap, tokens, tokens, tokens, kp + at, dim, 1f, gqp + at, dim);
                        AttentionHead16.TransposedTimes(gap, tokens, tokens, tokens, qp + at, dim, gkp + at, dim);
                    }
                    return;
                }
                Gemm.Multiply(false, true, tokens, tokens, d, g, d, Rest(vp, at, length), dim, 0f, ga, tokens, threads: 1);
                Gemm.Multiply(true, false, tokens, d, tokens, a, tokens, g, d, 0f, Rest(gvp, at, length), dim, threads: 1);
                // ∂Q = ∂A·K: the composed path passes its transposed copy of K with transposeB, which packs these values.
                Gemm.Multiply(false, false, tokens, d, tokens, ga, tokens, Rest(kp, at, length), dim, 0f, Rest(gqp, at, length), dim, threads: 1);
                // ∂Kᵀ [d, L] = Qᵀ·∂A as the composed path computes it, then written back transposed.
                var gkt = ThreadBuffer.Grow(ref t_gradKeysT, d * tokens);
                Gemm.Multiply(true, false, d, tokens, tokens, Rest(qp, at, length), dim, ga, tokens, 0f, gkt, tokens, threads: 1);
                fixed (float* t = gkt) Transpose.Matrix(t, d, tokens, gkp + at, dstStride: dim);
            });
        }
    }

    private static int Check(long q, long k, long v, long output, long scores, int batch, int tokens, int dim, int heads)
    {
        if (heads < 1 || dim % heads != 0) throw new ArgumentException($"SpikingSelfAttentionTrainKernel: {dim} features do not split into {heads} heads.");
        long length = (long)batch * tokens * dim;
        if (q != length || k != length || v != length || output != length)
            throw new ArgumentException($"SpikingSelfAttentionTrainKernel: q, k, v and the output gradient must hold [{batch}, {tokens}, {dim}] = {length} values.");
        if (scores != (long)batch * heads * tokens * tokens)
            throw new ArgumentException($"SpikingSelfAttentionTrainKernel: scores hold {scores} values, expected [{batch}, {heads}, {tokens}, {tokens}].");
        return dim / heads;
    }

    /// <summary>body(sample, head) for every pair, split over threads as the composed batched matmul splits its products.</summary>
    private static void ForPairs(int batch, int heads, int tokens, int d, Action<int, int> body)
    {
        long work = (long)tokens * tokens * d;
        Parallelism.For(batch * heads, Math.Max(1, (int)((1 << 18) / Math.Max(1, work))), (p0, p1) =>
        {
            for (int pair = p0; pair < p1; pair++) body(pair / heads, pair % heads);
        });
    }

    /// <summary>The buffer from <paramref name="at"/> to its end: a head's strided matrix starts there.</summary>
    private static Span<float> Rest(float* buffer, long at, long length) => new(buffer + at, (int)(length - at));
}
