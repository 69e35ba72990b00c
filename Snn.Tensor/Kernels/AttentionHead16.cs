// The products of one 16-feature attention head on AVX-512: one register holds a token's 16 features.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// The three shapes of product a Spikformer head needs, for heads of d = 16 features (Spikformer-2-64's 64 features
/// in 4 heads), L tokens: all five of training's, and inference's two. Matrices are row-major: a token matrix [L, 16] has row stride ld (the heads
/// stay inside the merged [L, D] rows); a score matrix [L, L] is contiguous. Each output element is the chain of fused
/// multiply-adds over ascending index from zero that <see cref="Gemm"/> computes for the same product (a depth of
/// 16 or L is one packed block), so the values are the same bits. Through Gemm these products spent most of their
/// time packing and on padding: a 16-feature head fills half of a 32-wide tile, and 49 tokens a tile and a half.
/// Several rows advance together so that independent chains hide the multiply-add latency.
/// </summary>
internal static unsafe class AttentionHead16
{
    public const int Features = 16;

    /// <summary>Rows of L padded to whole vectors: the row stride of a transposed token matrix.</summary>
    public static int Padded(int tokens) => (tokens + 15) / 16 * 16;

    /// <summary>yT [16, Padded(L)] = yᵀ with zeros past L, for <see cref="Scores"/>.</summary>
    public static void Transpose(float* y, int ld, int tokens, float* yT)
    {
        int lp = Padded(tokens);
        for (int i = 0; i < Features; i++)
        {
            float* row = yT + (long)i * lp;
            for (int m = 0; m < tokens; m++) row[m] = y[(long)m * ld + i];
            for (int m = tokens; m < lp; m++) row[m] = 0;
        }
    }

    /// <summary>s [L, L] = x·yᵀ: s[l, m] = Σ_i x[l, i]·y[m, i], from yT = <see cref="Transpose"/>(y). Q·Kᵀ and ∂out·Vᵀ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores(float* x, int ld, float* yT, int tokens, float* s)
    {
        int lp = Padded(tokens);
        for (int l = 0; l < tokens; l++)
        {
            float* xl = x + (long)l * ld, sl = s + (long)l * tokens;
            int m = 0;
            // Four 16-token column blocks at a time: four chains over i.
            for (; m + 64 <= lp; m += 64)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int i = 0; i < Features; i++)
                {
                    var xi = Vector512.Create(xl[i]);
                    float* yi = yT + (long)i * lp + m;
                    a0 = Vector512.FusedMultiplyAdd(xi, Vector512.Load(yi), a0);
                    a1 = Vector512.FusedMultiplyAdd(xi, Vector512.Load(yi + 16), a1);
                    a2 = Vector512.FusedMultiplyAdd(xi, Vector512.Load(yi + 32), a2);
                    a3 = Vector512.FusedMultiplyAdd(xi, Vector512.Load(yi + 48), a3);
                }
                StoreFirst(a0, sl + m, tokens - m);
                StoreFirst(a1, sl + m + 16, tokens - m - 16);
                StoreFirst(a2, sl + m + 32, tokens - m - 32);
                StoreFirst(a3, sl + m + 48, tokens - m - 48);
            }
            for (; m < lp; m += 16)
            {
                var acc = Vector512<float>.Zero;
                for (int i = 0; i < Features; i++) acc = Vector512.FusedMultiplyAdd(Vector512.Create(xl[i]), Vector512.Load(yT + (long)i * lp + m), acc);
                StoreFirst(acc, sl + m, tokens - m);
            }
        }
    }

    /// <summary>
    /// out [rows, 16] = a·y·scale: out[r, :] = (Σ_{m &lt; depth} a[r, m]·y[m, :])·scale, a's rows lda apart. Scores·V
    /// (scale as a separate multiply, as the composed path scales its product), ∂A·K (scale 1, which changes no bit),
    /// and inference's Q·(Kᵀ·V).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Times(float* a, int lda, int rows, int depth, float* y, int ld, float scale, float* output, int ldo)
    {
        var sc = Vector512.Create(scale);
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            float* a0r = a + (long)r * lda, a1r = a0r + lda, a2r = a1r + lda, a3r = a2r + lda;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int m = 0; m < depth; m++)
            {
                var ym = Vector512.Load(y + (long)m * ld);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0r[m]), ym, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1r[m]), ym, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2r[m]), ym, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3r[m]), ym, a3);
            }
            float* o = output + (long)r * ldo;
            (a0 * sc).Store(o); (a1 * sc).Store(o + ldo); (a2 * sc).Store(o + 2L * ldo); (a3 * sc).Store(o + 3L * ldo);
        }
        for (; r < rows; r++)
        {
            float* ar = a + (long)r * lda;
            var acc = Vector512<float>.Zero;
            for (int m = 0; m < depth; m++) acc = Vector512.FusedMultiplyAdd(Vector512.Create(ar[m]), Vector512.Load(y + (long)m * ld), acc);
            (acc * sc).Store(output + (long)r * ldo);
        }
    }

    /// <summary>
    /// out [rows, 16] = aᵀ·y: out[r, :] = Σ_{l &lt; depth} a[l, r]·y[l, :], a's rows lda apart. Aᵀ·∂out (∂V), ∂Aᵀ·Q
    /// (∂K), and inference's Kᵀ·V.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposedTimes(float* a, int lda, int rows, int depth, float* y, int ld, float* output, int ldo)
    {
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int l = 0; l < depth; l++)
            {
                var yl = Vector512.Load(y + (long)l * ld);
                float* al = a + (long)l * lda + r;
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(al[0]), yl, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(al[1]), yl, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(al[2]), yl, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(al[3]), yl, a3);
            }
            float* o = output + (long)r * ldo;
            a0.Store(o); a1.Store(o + ldo); a2.Store(o + 2L * ldo); a3.Store(o + 3L * ldo);
        }
        for (; r < rows; r++)
        {
            var acc = Vector512<float>.Zero;
            for (int l = 0; l < depth; l++) acc = Vector512.FusedMultiplyAdd(Vector512.Create(a[(long)l * lda + r]), Vector512.Load(y + (long)l * ld), acc);
            acc.Store(output + (long)r * ldo);
        }
    }

    /// <summary>The first min(count, 16) lanes of v to dst: a score row ends inside its last vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFirst(Vector512<float> v, float* dst, int count)
    {
        if (count >= 16) { v.Store(dst); return; }
        for (int j = 0; j < count; j++) dst[j] = v.GetElement(j);
    }
}
