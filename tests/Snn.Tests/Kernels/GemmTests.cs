// The packed GEMM agrees with the double-precision reference on every layout, and is reproducible across threads.
using Snn.Kernels;

namespace Snn.Tests.Kernels;

public class GemmTests
{
    /// <summary>float32 sums of k products in a different order than the double reference: error grows like √k.</summary>
    private static void AssertClose(float[] want, float[] got, int k)
    {
        float tol = 1e-5f * MathF.Sqrt(k) * 4;
        for (int i = 0; i < want.Length; i++)
            Assert.True(MathF.Abs(want[i] - got[i]) <= tol * (1 + MathF.Abs(want[i])),
                $"element {i}: reference {want[i]}, gemm {got[i]} (k = {k})");
    }

    private static float[] Random(Random rng, int count)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }

    /// <summary>Runs both kernels on the same random operands with row strides padded by <paramref name="pad"/>.</summary>
    private static void Compare(bool ta, bool tb, int m, int n, int k, float beta, int pad, int threads = 2)
    {
        var rng = new Random(m * 7919 + n * 131 + k);
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        float[] a = Random(rng, (ta ? k : m) * lda), b = Random(rng, (tb ? n : k) * ldb), c0 = Random(rng, m * ldc);
        float[] want = (float[])c0.Clone(), got = (float[])c0.Clone();
        GemmReference.Multiply(ta, tb, m, n, k, a, lda, b, ldb, beta, want, ldc);
        Gemm.Multiply(ta, tb, m, n, k, a, lda, b, ldb, beta, got, ldc, threads);
        AssertClose(want, got, k);
    }

    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 1, 1, 1 }, { 1, 33, 7 }, { 7, 1, 33 }, { 7, 7, 7 }, { 33, 33, 33 }, { 6, 32, 300 },
        { 129, 65, 31 }, { 13, 129, 257 }, { 97, 2049, 3 }, { 200, 37, 520 },
        { 64, 70, 4100 }, { 5, 3, 4111 }, // deep, small C: the depth-sliced path
    };

    [Theory, MemberData(nameof(Shapes))]
    public void Multiply_MatchesReference_OnAllTransposeCombos(int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                Compare(ta, tb, m, n, k, beta: 0, pad: 0);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(0.5f)]
    public void Multiply_MatchesReference_ForBeta_WithStridedOperands(float beta)
    {
        Compare(false, false, 37, 70, 300, beta, pad: 5);
        Compare(true, true, 70, 37, 45, beta, pad: 3);
        Compare(false, true, 5, 5, 5, beta, pad: 2);
        Compare(true, false, 20, 33, 4200, beta, pad: 3);
    }

    [Fact]
    public void Multiply_BetaZero_IgnoresNaNInC()
    {
        int m = 40, n = 40, k = 40;
        var rng = new Random(3);
        float[] a = Random(rng, m * k), b = Random(rng, k * n), c = new float[m * n];
        Array.Fill(c, float.NaN);
        Gemm.Multiply(false, false, m, n, k, a, k, b, n, 0f, c, n);
        Assert.DoesNotContain(c, float.IsNaN);
    }

    [Fact]
    public void Multiply_KZero_ScalesC()
    {
        float[] c = [1, 2, 3, 4];
        Gemm.Multiply(false, false, 2, 2, 0, [], 1, [], 2, 0.5f, c, 2);
        Assert.Equal(new float[] { 0.5f, 1, 1.5f, 2 }, c);
    }

    [Theory]
    [InlineData(false, false, 300, 260, 700)]
    [InlineData(true, false, 50, 900, 130)]
    [InlineData(false, true, 260, 61, 300)]
    [InlineData(true, false, 64, 64, 12544)] // a weight gradient over tokens: depth slices
    [InlineData(false, false, 5001, 64, 64)]  // tall: several row chunks per thread
    public void Multiply_OneAndTwoThreads_GiveIdenticalBits(bool ta, bool tb, int m, int n, int k)
    {
        var rng = new Random(11);
        float[] a = Random(rng, m * k), b = Random(rng, k * n);
        float[] one = new float[m * n], two = new float[m * n], three = new float[m * n];
        Gemm.Multiply(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, 0f, one, n, threads: 1);
        Gemm.Multiply(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, 0f, two, n, threads: 2);
        Gemm.Multiply(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, 0f, three, n, threads: 3);
        Assert.Equal(one, two);
        Assert.Equal(one, three);
    }

    [Fact]
    public void Vector256Kernel_GivesSameBitsAsVector512Kernel()
    {
        int m = 50, n = 70, k = 300;
        var rng = new Random(5);
        float[] a = Random(rng, m * k), b = Random(rng, k * n), wide = new float[m * n], narrow = new float[m * n];
        bool saved = GemmMicroKernel.UseVector512;
        try
        {
            GemmMicroKernel.UseVector512 = true;
            Gemm.Multiply(false, false, m, n, k, a, k, b, n, 0f, wide, n, threads: 1);
            GemmMicroKernel.UseVector512 = false;
            Gemm.Multiply(false, false, m, n, k, a, k, b, n, 0f, narrow, n, threads: 1);
        }
        finally { GemmMicroKernel.UseVector512 = saved; }
        Assert.Equal(wide, narrow);
    }

    /// <summary>
    /// A whole tile is stored straight into C, a ragged one through a scratch tile: the C entries they share must
    /// come out the same bits, with beta applied, for either kernel width (the second product has one more row and
    /// column, so its first 6×32 tile is whole and its edges ragged; the first is all ragged: 5 × 31).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WholeAndRaggedTiles_GiveSameBits(bool vector512)
    {
        if (vector512 && !System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) return;
        int k = 300;
        var rng = new Random(11);
        float[] a = Random(rng, 7 * k), b = Random(rng, k * 33), start = Random(rng, 7 * 33);
        float[] small = new float[5 * 31], large = (float[])start.Clone();
        for (int i = 0; i < 5; i++) Array.Copy(start, i * 33, small, i * 31, 31);
        bool saved = GemmMicroKernel.UseVector512;
        try
        {
            GemmMicroKernel.UseVector512 = vector512;
            Gemm.Multiply(false, false, 5, 31, k, a, k, b, 33, 0.5f, small, 31, threads: 1);
            Gemm.Multiply(false, false, 7, 33, k, a, k, b, 33, 0.5f, large, 33, threads: 1);
        }
        finally { GemmMicroKernel.UseVector512 = saved; }
        for (int i = 0; i < 5; i++)
            Assert.Equal(small.AsSpan(i * 31, 31).ToArray(), large.AsSpan(i * 33, 31).ToArray());
    }

    [Theory]
    [InlineData(50, 70, 300, 1)]
    [InlineData(193, 64, 64, 2)]
    [InlineData(12, 33, 7, 1)]
    public void InPlaceA_GivesSameBitsAsPackedA_WithStrideAndBeta(int m, int n, int k, int threads)
    {
        var rng = new Random(m + n + k);
        int lda = k + 3;
        float[] a = Random(rng, m * lda), b = Random(rng, k * n), start = Random(rng, m * n);
        float[] inPlace = (float[])start.Clone(), packed = (float[])start.Clone();
        bool saved = Gemm.ReadAInPlace;
        try
        {
            Gemm.ReadAInPlace = true;
            Gemm.Multiply(false, false, m, n, k, a, lda, b, n, 0.5f, inPlace, n, threads);
            Gemm.ReadAInPlace = false;
            Gemm.Multiply(false, false, m, n, k, a, lda, b, n, 0.5f, packed, n, threads);
        }
        finally { Gemm.ReadAInPlace = saved; }
        Assert.Equal(packed, inPlace);
        var want = new float[m * n];
        GemmReference.Multiply(false, false, m, n, k, a, lda, b, n, 0f, want, n);
        for (int i = 0; i < want.Length; i++) Assert.Equal(want[i] + 0.5f * start[i], packed[i], 1e-3f);
    }

    [Fact]
    public void Multiply_ThrowsNamingTheOperand_WhenSpanTooShort()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(false, false, 4, 4, 4, new float[15], 4, new float[16], 4, 0f, new float[16], 4));
        Assert.Contains("A stored as [4, 4]", ex.Message);
    }
}

public class GemmPackingTests
{
    [Theory]
    [InlineData(256, 300)]
    [InlineData(13, 13)]
    [InlineData(64, 64)]
    public unsafe void PackB_Transposed_EqualsPlainStrides(int kc, int ldb)
    {
        int cols = 2 * GemmMicroKernel.NR + 5;
        var random = new Random(kc);
        float[] b = Enumerable.Range(0, cols * ldb).Select(_ => (float)random.NextDouble()).ToArray();
        int strips = (cols + GemmMicroKernel.NR - 1) / GemmMicroKernel.NR;
        float[] fast = new float[strips * kc * GemmMicroKernel.NR], plain = new float[fast.Length];
        fixed (float* pb = b, pf = fast, pp = plain)
        {
            GemmPacking.PackB(true, pb, ldb, 0, kc, 0, cols, pf);
            for (int s = 0; s < strips; s++)
                GemmPacking.PackBTransposedStripReference(pb + (long)s * GemmMicroKernel.NR * ldb, ldb, kc,
                    Math.Min(GemmMicroKernel.NR, cols - s * GemmMicroKernel.NR), pp + (long)s * kc * GemmMicroKernel.NR);
        }
        Assert.Equal(plain, fast);
    }
}
