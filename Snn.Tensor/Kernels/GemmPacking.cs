// Copies blocks of op(A) and op(B) into the strip layouts the GEMM micro-kernel streams through.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Snn.Kernels.GemmMicroKernel;
using System.Runtime.CompilerServices;

namespace Snn.Kernels;

/// <summary>
/// Packing turns any stride and transpose into unit-stride reads for the micro-kernel and pads ragged edges with
/// zeros, so the kernel never branches. Padding rows and columns only feed tile positions that are thrown away.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[i0 .. i0+rows, p0 .. p0+kc] into ⌈rows/MR⌉ strips of [kc, MR]; strip s starts at dest + s·kc·MR.
    /// op(A)[i, p] = transposeA ? a[p·lda + i] : a[i·lda + p].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transposeA, float* a, int lda, int i0, int rows, int p0, int kc, float* dest)
    {
        if (transposeA)
        {
            PackTransposedA(a, lda, i0, rows, p0, kc, dest);
            return;
        }
        for (int s = 0; s < rows; s += MR)
        {
            int r = Math.Min(MR, rows - s);
            float* d = dest + (long)s * kc;
            // Six source rows advance together so the packed strip is written sequentially.
            if (r == MR)
            {
                float* r0 = a + (long)(i0 + s) * lda + p0;
                float* r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda;
                for (int p = 0; p < kc; p++, d += MR)
                {
                    d[0] = r0[p]; d[1] = r1[p]; d[2] = r2[p]; d[3] = r3[p]; d[4] = r4[p]; d[5] = r5[p];
                }
            }
            else
                for (int p = 0; p < kc; p++, d += MR)
                    for (int q = 0; q < MR; q++)
                        d[q] = q < r ? a[(long)(i0 + s + q) * lda + p0 + p] : 0;
        }
    }

    /// <summary>
    /// PackA for a transposed A: row p of A holds op(A)'s column p, so a strip's MR = 6 values of it are contiguous
    /// and copied as 4 + 2. Weight gradients (dYᵀ·X) pack all of dY this way. [256, 64]·[12544] (Spikformer's MLP
    /// weight gradient), one thread: 8.8–9.5 ms copied value by value (packing 37% of the samples, more than the
    /// multiply-adds), 6.8–7.1 ms as 4 + 2; reading each row once and handing 6 values to every strip in turn
    /// (16 write streams) took 8.1–8.5 ms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposedA(float* a, int lda, int i0, int rows, int p0, int kc, float* dest)
    {
        for (int s = 0; s < rows; s += MR)
        {
            int r = Math.Min(MR, rows - s);
            float* d = dest + (long)s * kc, src = a + (long)p0 * lda + i0 + s;
            if (r == MR)
                for (int p = 0; p < kc; p++, d += MR, src += lda)
                {
                    Vector128.Store(Vector128.Load(src), d);
                    Unsafe.WriteUnaligned(d + 4, Unsafe.ReadUnaligned<ulong>(src + 4));
                }
            else
                for (int p = 0; p < kc; p++, d += MR, src += lda)
                    for (int q = 0; q < MR; q++) d[q] = q < r ? src[q] : 0;
        }
    }

    /// <summary>
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+cols] into ⌈cols/NR⌉ strips of [kc, NR]; strip s starts at dest + s·kc·NR.
    /// op(B)[p, j] = transposeB ? b[j·ldb + p] : b[p·ldb + j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transposeB, float* b, int ldb, int p0, int kc, int j0, int cols, float* dest)
    {
        for (int s = 0; s < cols; s += NR)
        {
            int w = Math.Min(NR, cols - s);
            float* d = dest + (long)s * kc;
            if (!transposeB && w == NR)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(p0 + p) * ldb + j0 + s;
                    Vector256.Store(Vector256.Load(src), d);
                    Vector256.Store(Vector256.Load(src + 8), d + 8);
                    Vector256.Store(Vector256.Load(src + 16), d + 16);
                    Vector256.Store(Vector256.Load(src + 24), d + 24);
                    d += NR;
                }
            }
            else if (!transposeB)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(p0 + p) * ldb + j0 + s;
                    int q = 0;
                    for (; q < w; q++) d[q] = src[q];
                    for (; q < NR; q++) d[q] = 0;
                    d += NR;
                }
            }
            else if (w == NR && Avx.IsSupported)
                PackBTransposedStrip(b + (long)(j0 + s) * ldb + p0, ldb, kc, d);
            else
                PackBTransposedStripReference(b + (long)(j0 + s) * ldb + p0, ldb, kc, w, d);
        }
    }

    /// <summary>
    /// One full strip of a transposed B: rows q = 0 … NR−1 of <paramref name="src"/> (stride ldb) hold op(B)'s
    /// columns; d[p·NR + q] = src[q·ldb + p], by 8×8 blocks in registers (<see cref="Transpose.Block8"/>). Same
    /// values as the reference (a copy).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBTransposedStrip(float* src, int ldb, int kc, float* d)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8)
            for (int q = 0; q < NR; q += 8) Transpose.Block8(src + (long)q * ldb + p, ldb, d + (long)p * NR + q, NR);
        for (; p < kc; p++)
            for (int q = 0; q < NR; q++) d[p * NR + q] = src[(long)q * ldb + p];
    }

    /// <summary>The plain transposed-B strip (w ≤ NR valid columns, the rest zero): read rows, write with stride NR.</summary>
    internal static void PackBTransposedStripReference(float* src, int ldb, int kc, int w, float* d)
    {
        for (int q = 0; q < NR; q++)
        {
            if (q < w)
            {
                float* row = src + (long)q * ldb;
                for (int p = 0; p < kc; p++) d[p * NR + q] = row[p];
            }
            else
                for (int p = 0; p < kc; p++) d[p * NR + q] = 0;
        }
    }
}
