// x·Wᵀ for inputs that are mostly zero (spikes, spike counts): each row adds only the weight rows its nonzeros select;
// the weight gradient likewise adds only the nonzeros' upstream rows.
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Snn.Kernels;

/// <summary>
/// y [M, N] = x [M, K] · w [K, N] (w is Wᵀ of a Linear layer, row-major), skipping x's zeros. Each output element
/// is summed as <see cref="Gemm"/> sums it (<see cref="Gemm.ChainDepth"/>): fused multiply-add chains over ascending
/// p from zero, one over all of K or one per depth slice added in order, minus the links where x is 0, which leave
/// the sum unchanged: the results are bit-identical to Gemm (tested), except that a zero input times an infinite or
/// NaN weight contributes nothing here. Runs of rows are split over threads.
/// </summary>
public static unsafe class SparseRowsGemm
{
    /// <summary>Columns per register block: four Vector512 accumulators.</summary>
    private const int Block = 64;

    /// <summary>
    /// Values <see cref="Worthwhile"/> counts, in whole rows (4 at least): the decision only picks the faster kernel
    /// (both give the same bits), and 64 rows of csnn's 3,136 spikes, 0.8 MB half written by the other core, were a
    /// serial 50–55 µs before its classifier (loop trace, two threads); with 5 rows that gap took 15 µs.
    /// </summary>
    private const int SampleValues = 1 << 14;

    /// <summary>
    /// True when Gemm sums [rows, k]·[k, n] in chains this kernel can follow (<see cref="Gemm.ChainDepth"/>) and rows
    /// spread over x (up to 64, <see cref="SampleValues"/> values or more) are at most 40% nonzero. Spread, because a
    /// time-major input's first rows are its first step, where neurons starting at rest have barely fired:
    /// Spikformer's linear layers in training read 0% ones in their first 64 rows and 22% over all. Where the two
    /// cross, one thread, [12544, k]·[k, n], ms sparse / GEMM at 30% and 45% ones: k = 64, n = 64 0.84 / 0.91–1.04 and
    /// 1.08 / 0.92–1.08; n = 256 3.1–3.9 / 4.3–4.7 and 5.3–5.6 / 3.9–4.8; k = 256, n = 64 4.8–5.2 / 4.5–5.1 and
    /// 4.8–5.5 / 4.5–4.8.
    /// </summary>
    public static bool Worthwhile(ReadOnlySpan<float> x, int rows, int n, int k)
    {
        if (!Vector512.IsHardwareAccelerated || rows == 0 || k == 0 || Gemm.ChainDepth(rows, n, k) == 0) return false;
        // Counted 16 values at a time: the sample runs on one thread between two parallel loops, and csnn's 64 rows of
        // 3,136 took 80–100 µs a value at a time, 5% of a two-thread inference batch.
        int sampleRows = Math.Min(rows, Math.Clamp(SampleValues / k, 4, 64));
        long nonzero = 0;
        fixed (float* p = x)
            for (int s = 0; s < sampleRows; s++) nonzero += SpikeConv2dKernel.CountNonzero(p + (long)s * rows / sampleRows * k, k);
        return nonzero * 5 <= (long)sampleRows * k * 2;
    }

    /// <param name="bias">Empty, or [N] added to every row as the product is stored: (x·w) + bias rounds as the
    /// product followed by a separate add would, without a second parallel loop and pass over y.</param>
    /// <param name="steps">x's rows as [steps, M / steps], time-major (row t·M/steps + r is sample r at step t): the
    /// threads split the samples and each takes all of a sample's steps, as the neuron layers before it split them.</param>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> w, int m, int n, int k, Span<float> y, ReadOnlySpan<float> bias = default,
        int steps = 1)
    {
        if (x.Length != (long)m * k || w.Length != (long)k * n || y.Length != (long)m * n)
            throw new ArgumentException($"SparseRowsGemm: x {x.Length}, w {w.Length}, y {y.Length} values do not fit [{m}, {k}]·[{k}, {n}].");
        int chain = Gemm.ChainDepth(m, n, k);
        if (chain == 0) throw new ArgumentException($"SparseRowsGemm: Gemm sums a depth of {k} over [{m}, {n}] in blocks that add into C; this kernel cannot give its bits.");
        if (!bias.IsEmpty && bias.Length != n) throw new ArgumentException($"SparseRowsGemm: bias has {bias.Length} values for {n} outputs.");
        if (steps < 1 || m % steps != 0) throw new ArgumentException($"SparseRowsGemm: {m} rows are not {steps} steps of whole samples.");
        int samples = m / steps;
        fixed (float* px = x, pw = w, py = y, pb = bias)
        {
            float* xp = px, wp = pw, yp = py, bp = bias.IsEmpty ? null : pb;
            // Contiguous runs of samples. Dealt round-robin in blocks of 16 rows (time-major inputs are sparser at the
            // first steps), two threads wrote neighbouring 4 KB blocks of y at once and the [12544, 64]·[64, 64]
            // product ran no faster on two threads than on one (paired medians 1.01–1.06); in contiguous runs it
            // scales 1.90–2.04. The chunks are claimed as threads come free, which evens out the sparser steps.
            Parallelism.For(samples, Math.Max(1, 65536 / Math.Max(1, k * n / 16) / steps), (r0, r1) =>
            {
                int* nonzero = NonzeroScratch(k);
                for (int t = 0; t < steps; t++)
                    for (long r = (long)t * samples + r0; r < (long)t * samples + r1; r++)
                        Row(xp + r * k, wp, n, k, chain, nonzero, bp, yp + r * n);
            });
        }
    }

    /// <summary>The indices p &lt; k where x[p] ≠ 0, ascending, into <paramref name="nonzero"/> (<see cref="NonzeroScratch"/>
    /// long); returns how many.</summary>
    private static int Nonzeros(float* x, int k, int* nonzero)
    {
        int count = 0, p = 0;
        // 16 inputs at a time, their indices compressed into a register and stored whole (the next store starts
        // after the last index kept). Taking them one set bit at a time mispredicted its loop's exit about once per
        // 16 inputs, which cost more than the multiply-adds of a 64-input row at 15–25% ones. (The compressing store
        // to memory is microcoded on Zen 4; the register form is not.)
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (; Avx512F.IsSupported && p <= k - 16; p += 16)
        {
            var keep = ~Vector512.Equals(Vector512.Load(x + p), Vector512<float>.Zero).AsInt32();
            Avx512F.Compress(Vector512<int>.Zero, keep, lanes + Vector512.Create(p)).Store(nonzero + count);
            count += BitOperations.PopCount(keep.ExtractMostSignificantBits());
        }
        for (; p < k; p++) if (x[p] != 0) nonzero[count++] = p;
        return count;
    }

    /// <summary>
    /// gradWeight [N, K] = dyᵀ · x, the weight gradient of a Linear layer y [M, N] = x [M, K]·Wᵀ with dy [M, N],
    /// skipping x's zeros: each nonzero x[r, p] adds x[r, p]·dy[r, :] to row p of a transposed [K, N] partial (N
    /// contiguous floats, in L1 or L2 for a layer's weight). A few chunks with a partial each, added in chunk order:
    /// reproducible for a given thread count; the same sums as the GEMM up to their order.
    /// </summary>
    /// <param name="steps">x's and dy's rows as [steps, M / steps], time-major: a chunk takes a run of samples with all
    /// their steps, as <see cref="Multiply"/> and the neuron layers split them. All steps, because a time-major input's
    /// first step has few nonzeros (neurons start at rest): in contiguous quarters of the rows, chunk 0 of a T = 4
    /// Spikformer layer was that step alone and finished early, and the loop scaled 1.53 (round 15). Runs of samples,
    /// because dy was just written by the layers behind it, each thread its own samples: dealt round-robin in blocks
    /// of 32 rows instead, half of each chunk's rows came from the other core, and the chunks took 1.31× the
    /// one-thread time in all on two threads (loop trace, round 19).</param>
    public static void WeightGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int m, int n, int k, Span<float> gradWeight, int steps = 1)
    {
        if (x.Length != (long)m * k || dy.Length != (long)m * n || gradWeight.Length != (long)n * k)
            throw new ArgumentException($"SparseRowsGemm.WeightGradient: x {x.Length}, dy {dy.Length}, gradWeight {gradWeight.Length} values do not fit [{m}, {k}], [{m}, {n}], [{n}, {k}].");
        if (steps < 1 || m % steps != 0) throw new ArgumentException($"SparseRowsGemm.WeightGradient: {m} rows are not {steps} steps of whole samples.");
        int samples = m / steps;
        // Two partials per thread: each is K·N floats to clear and add up, so fewer than the usual sixteen.
        int chunks = Parallelism.Chunks(samples, Math.Max(1, 256 / steps), chunksPerThread: 2), size = k * n, stride = Partials.Stride(size);
        float[] rented = Partials.Rent(chunks, size);
        fixed (float* px = x, pdy = dy, pr = rented, gw = gradWeight)
        {
            float* xp = px, dyp = pdy, parts = Partials.First(pr);
            Parallelism.For(chunks, 1, (c0, c1) =>
            {
                int* nonzero = NonzeroScratch(k);
                for (int chunk = c0; chunk < c1; chunk++)
                {
                    float* partial = parts + (long)chunk * stride;
                    new Span<float>(partial, size).Clear();
                    long first = (long)samples * chunk / chunks, end = (long)samples * (chunk + 1) / chunks;
                    for (int t = 0; t < steps; t++)
                        for (long r = t * (long)samples + first; r < t * (long)samples + end; r++)
                        {
                            float* x_r = xp + r * k, dy_r = dyp + r * n;
                            int count = Nonzeros(x_r, k, nonzero);
                            for (int i = 0; i < count; i++) AddScaled(x_r[nonzero[i]], dy_r, partial + (long)nonzero[i] * n, n);
                        }
                }
            });
            Partials.SumIntoFirst(parts, chunks, size);
            Transpose.Matrix(parts, k, n, gw);
        }
        System.Buffers.ArrayPool<float>.Shared.Return(rented);
    }

    [ThreadStatic] private static int[]? t_nonzero;

    /// <summary>dest[0..n] += a·src[0..n], each a fused multiply-add (a plain add when a is 1).</summary>
    private static void AddScaled(float a, float* src, float* dest, int n)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var scale = Vector512.Create(a);
            for (; j <= n - 16; j += 16)
                Vector512.FusedMultiplyAdd(scale, Vector512.Load(src + j), Vector512.Load(dest + j)).Store(dest + j);
        }
        for (; j < n; j++) dest[j] = MathF.FusedMultiplyAdd(a, src[j], dest[j]);
    }

    /// <summary>
    /// This thread's scratch for the nonzero indices of a row of depth <paramref name="k"/> (<see cref="Row"/>): k and
    /// a vector more, as whole vectors of them are stored. On the thread, not the stack: K has no bound.
    /// </summary>
    internal static int* NonzeroScratch(int k) => ThreadBuffer.Pinned(ref t_nonzero, k + 16);

    /// <summary>
    /// y [n] = x [k]·w [k, n] (+ bias) for one row, each element summed in chains from zero over
    /// <paramref name="chain"/> inputs at a time (<see cref="Gemm.ChainDepth"/>), added in order;
    /// <paramref name="nonzero"/> is <see cref="NonzeroScratch"/>.
    /// </summary>
    internal static void Row(float* x, float* w, int n, int k, int chain, int* nonzero, float* bias, float* y)
    {
        int count = Nonzeros(x, k, nonzero);
        int j = 0;
        for (; j <= n - Block; j += Block)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int i = 0, end = chain; ; end += chain)
            {
                Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
                for (; i < count && nonzero[i] < end; i++)
                {
                    int q = nonzero[i];
                    var a = Vector512.Create(x[q]);
                    float* wr = w + (long)q * n + j;
                    c0 = Vector512.FusedMultiplyAdd(a, Vector512.Load(wr), c0);
                    c1 = Vector512.FusedMultiplyAdd(a, Vector512.Load(wr + 16), c1);
                    c2 = Vector512.FusedMultiplyAdd(a, Vector512.Load(wr + 32), c2);
                    c3 = Vector512.FusedMultiplyAdd(a, Vector512.Load(wr + 48), c3);
                }
                (s0, s1, s2, s3) = end == chain ? (c0, c1, c2, c3) : (s0 + c0, s1 + c1, s2 + c2, s3 + c3);
                if (end >= k) break;
            }
            if (bias is not null)
                (s0, s1, s2, s3) = (s0 + Vector512.Load(bias + j), s1 + Vector512.Load(bias + j + 16), s2 + Vector512.Load(bias + j + 32), s3 + Vector512.Load(bias + j + 48));
            s0.Store(y + j); s1.Store(y + j + 16); s2.Store(y + j + 32); s3.Store(y + j + 48);
        }
        // The rest 16 columns at a time, lanes past n masked off: a classifier's 10 outputs are one vector, where
        // a column at a time made each of the 10 a chain of dependent multiply-adds.
        for (; j < n && Avx512F.IsSupported; j += 16)
        {
            var lanes = Vector512.LessThan(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(n - j)).AsSingle();
            Vector512<float> sum = default;
            for (int i = 0, end = chain; ; end += chain)
            {
                Vector512<float> c = default;
                for (; i < count && nonzero[i] < end; i++)
                    c = Vector512.FusedMultiplyAdd(Vector512.Create(x[nonzero[i]]), Avx512F.MaskLoad(w + (long)nonzero[i] * n + j, lanes, default), c);
                sum = end == chain ? c : sum + c;
                if (end >= k) break;
            }
            Avx512F.MaskStore(y + j, lanes, bias is null ? sum : sum + Avx512F.MaskLoad(bias + j, lanes, default));
        }
        for (; j < n; j++)
        {
            float sum = 0;
            for (int i = 0, end = chain; ; end += chain)
            {
                float c = 0;
                for (; i < count && nonzero[i] < end; i++) c = MathF.FusedMultiplyAdd(x[nonzero[i]], w[(long)nonzero[i] * n + j], c);
                sum = end == chain ? c : sum + c;
                if (end >= k) break;
            }
            y[j] = bias is null ? sum : sum + bias[j];
        }
    }
}
