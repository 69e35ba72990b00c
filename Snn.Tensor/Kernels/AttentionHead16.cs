// The products of one 16-feature attention head on AVX-512: one register holds a token's 16 features.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// The three shapes of product a Spikformer head needs in training, for heads of d = 16 features (Spikformer-2-64's
/// 64 features in 4 heads), L tokens. Matrices are row-major: a token matrix [L, 16] has row stride ld (the heads
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

    /// <summary>out [L, 16] = s·y·scale: out[l, :] = (Σ_m s[l, m]·y[m, :])·scale. Scores·V (scale as a separate
    /// multiply, as the composed path scales its product) and ∂A·K (scale 1, which changes no bit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScoresTimes(float* s, int tokens, float* y, int ld, float scale, float* output, int ldo)
    {
        var sc = Vector512.Create(scale);
        int l = 0;
        for (; l + 4 <= tokens; l += 4)
        {
            float* s0 = s + (long)l * tokens, s1 = s0 + tokens, s2 = s1 + tokens, s3 = s2 + tokens;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int m = 0; m < tokens; m++)
            {
                var ym = Vector512.Load(y + (long)m * ld);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(s0[m]), ym, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(s1[m]), ym, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(s2[m]), ym, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(s3[m]), ym, a3);
            }
            float* o = output + (long)l * ldo;
            (a0 * sc).Store(o); (a1 * sc).Store(o + ldo); (a2 * sc).Store(o + 2L * ldo); (a3 * sc).Store(o + 3L * ldo);
        }
        for (; l < tokens; l++)
        {
            float* sl = s + (long)l * tokens;
            var acc = Vector512<float>.Zero;
            for (int m = 0; m < tokens; m++) acc = Vector512.FusedMultiplyAdd(Vector512.Create(sl[m]), Vector512.Load(y + (long)m * ld), acc);
            (acc * sc).Store(output + (long)l * ldo);
        }
    }

    /// <summary>out [L, 16] = sᵀ·y: out[m, :] = Σ_l s[l, m]·y[l, :]. Aᵀ·∂out (∂V) and ∂Aᵀ·Q (∂K).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposedScoresTimes(float* s, int tokens, float* y, int ld, float* output, int ldo)
    {
        int m = 0;
        for (; m + 4 <= tokens; m += 4)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int l = 0; l < tokens; l++)
            {
                var yl = Vector512.Load(y + (long)l * ld);
                float* sl = s + (long)l * tokens + m;
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(sl[0]), yl, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(sl[1]), yl, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(sl[2]), yl, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(sl[3]), yl, a3);
            }
            float* o = output + (long)m * ldo;
            a0.Store(o); a1.Store(o + ldo); a2.Store(o + 2L * ldo); a3.Store(o + 3L * ldo);
        }
        for (; m < tokens; m++)
        {
            var acc = Vector512<float>.Zero;
            for (int l = 0; l < tokens; l++) acc = Vector512.FusedMultiplyAdd(Vector512.Create(s[(long)l * tokens + m]), Vector512.Load(y + (long)l * ld), acc);
            acc.Store(output + (long)m * ldo);
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
