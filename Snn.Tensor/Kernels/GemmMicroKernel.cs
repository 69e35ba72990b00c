// The GEMM inner loop: one MR×NR tile of C from a packed A strip and a packed B strip, held in registers.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Snn.Kernels;

/// <summary>
/// Register-tile kernels for <see cref="Gemm"/>. A strip is packed as [kc, MR] (MR consecutive row values per k),
/// a B strip as [kc, NR]; the kernel computes tile = Σ_p A[:, p] ⊗ B[p, :] with one fused multiply-add per element
/// per p, in ascending p, so every element of C sees the same arithmetic whatever tile, thread or vector width
/// computes it. That is what makes results bit-identical across thread counts and between the two widths.
/// </summary>
internal static unsafe class GemmMicroKernel
{
    /// <summary>Rows of C per tile. 6 rows × 2 vectors = 12 accumulators: enough independent FMAs to hide latency.</summary>
    public const int MR = 6;

    /// <summary>Columns of C per tile: two Vector512 (or four Vector256) of floats.</summary>
    public const int NR = 32;

    /// <summary>Set by tests to force the Vector256 path on AVX-512 hardware; otherwise chosen from the hardware.</summary>
    internal static bool UseVector512 = Vector512.IsHardwareAccelerated;

    /// <summary>
    /// Computes the full MR×NR tile and writes it to <paramref name="c"/> (row stride <paramref name="ldc"/>) as
    /// tile + beta·C (<see cref="StoreRow"/>). The caller passes C itself for a whole tile, or a scratch tile (ldc =
    /// NR, beta = 0) that it copies the valid part of, so this loop stays free of edge logic.
    /// </summary>
    public static void Compute(int kc, float* a, float* b, float* c, int ldc, float beta)
    {
        if (UseVector512) Compute512(kc, a, b, c, ldc, beta);
        else { Compute256Half(kc, a, b, c, ldc, beta); Compute256Half(kc, a, b + 16, c + 16, ldc, beta); }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute512(int kc, float* a, float* b, float* c, int ldc, float beta)
    {
        PrefetchTile(c, ldc);
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40); c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50); c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            a += MR;
            b += NR;
        }
        StoreRow(c00, c01, c, beta); StoreRow(c10, c11, c + ldc, beta); StoreRow(c20, c21, c + 2 * ldc, beta);
        StoreRow(c30, c31, c + 3 * ldc, beta); StoreRow(c40, c41, c + 4 * ldc, beta); StoreRow(c50, c51, c + 5 * ldc, beta);
    }

    /// <summary>
    /// As <see cref="Compute512"/> with A read in place: rows a, a + lda, …, a + 5·lda of a row-major op(A) instead
    /// of a packed strip. Same fused multiply-adds in the same order, so the tile is bit-identical; it saves packing
    /// A, which costs as much as the arithmetic when C is narrow (Linear layers with 64 outputs).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute512Rows(int kc, float* a, int lda, float* b, float* c, int ldc, float beta)
    {
        PrefetchTile(c, ldc);
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        float* r0 = a, r1 = a + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(r0[p]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(r1[p]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(r2[p]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(r3[p]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(r4[p]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40); c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(r5[p]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50); c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            b += NR;
        }
        StoreRow(c00, c01, c, beta); StoreRow(c10, c11, c + ldc, beta); StoreRow(c20, c21, c + 2 * ldc, beta);
        StoreRow(c30, c31, c + 3 * ldc, beta); StoreRow(c40, c41, c + 4 * ldc, beta); StoreRow(c50, c51, c + 5 * ldc, beta);
    }

    /// <summary>Half a tile (MR×16) with Vector256: 12 accumulators fit the 16 AVX2 registers; called twice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compute256Half(int kc, float* a, float* b, float* c, int ldc, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00); c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10); c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20); c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30); c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40); c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50); c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            a += MR;
            b += NR;
        }
        StoreRow(c00, c, beta); StoreRow(c01, c + 8, beta); StoreRow(c10, c + ldc, beta); StoreRow(c11, c + ldc + 8, beta);
        StoreRow(c20, c + 2 * ldc, beta); StoreRow(c21, c + 2 * ldc + 8, beta); StoreRow(c30, c + 3 * ldc, beta);
        StoreRow(c31, c + 3 * ldc + 8, beta); StoreRow(c40, c + 4 * ldc, beta); StoreRow(c41, c + 4 * ldc + 8, beta);
        StoreRow(c50, c + 5 * ldc, beta); StoreRow(c51, c + 5 * ldc + 8, beta);
    }

    /// <summary>
    /// Asks for the tile's rows of C (two lines each) before the k loop, so the stores at its end do not wait for
    /// them: storing a 512³ product's tiles through a scratch tile and a copy was 6.5% of its samples at one thread.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, int ldc)
    {
        if (!Sse.IsSupported) return;
        for (int r = 0; r < MR; r++, c += ldc)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + 16);
        }
    }

    /// <summary>
    /// c[0..32] = lo ‖ hi + beta·c[0..32], or a plain store when beta = 0 (C may hold NaN then). Multiply then add,
    /// not a fused multiply-add, as the scalar edge path in <see cref="Gemm"/> rounds it, so a value never depends
    /// on whether its tile was whole.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(Vector512<float> lo, Vector512<float> hi, float* c, float beta)
    {
        if (beta == 0) { lo.Store(c); hi.Store(c + 16); return; }
        var scale = Vector512.Create(beta);
        (lo + scale * Vector512.Load(c)).Store(c);
        (hi + scale * Vector512.Load(c + 16)).Store(c + 16);
    }

    /// <summary>c[0..8] = v + beta·c[0..8], as <see cref="StoreRow(Vector512{float}, Vector512{float}, float*, float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(Vector256<float> v, float* c, float beta)
    {
        if (beta == 0) v.Store(c);
        else (v + Vector256.Create(beta) * Vector256.Load(c)).Store(c);
    }
}
