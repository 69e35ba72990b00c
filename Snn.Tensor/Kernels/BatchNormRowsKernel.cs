// Batch norm over [B, C] rows (BatchNorm1d on tokens [T, N, L, D], spatial = 1): threads split the rows, channels run along the SIMD lanes.
using System.Buffers;
using System.Runtime.Intrinsics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn.Kernels;

/// <summary>
/// The spatial = 1 case of <see cref="BatchNormKernel"/>. Threads split the rows, not the channels: split by channel,
/// each thread read a few cache lines of every row (at 64 channels, two of a row's four), and on two threads the
/// kernel ran slower than on one ([12544, 64] forward 0.92 vs 1.44 ms, bench/results/speed.md round 9).
/// The rows are cut into blocks of about <see cref="BlockValues"/> values, fixed by the shape alone. A block's
/// per-channel sums (double; rows in order; 16 channels per Vector512 of floats) are taken while the block is in the
/// core's cache, and the blocks' partials are merged in block order, so results do not depend on the thread count.
/// Time-major rows ([steps, rows / steps], row t·R + r is row r of step t) are cut by r, each block holding its rows
/// of every step: the neurons before and after a batch norm split their work by sample with all its steps, and split
/// by step instead, half of what a thread read had been written by the other core (Spikformer's training step,
/// two threads: the backward's ∂x pass took 1.37× the one-thread time in all, against 1.0–1.05 in loops that
/// split as their neighbours do; loop trace, round 19).
/// Variance: in each block the two-pass M2_b = Σ (x − mean_b)², merged as M2 = Σ_b M2_b + n_b·(mean_b − mean)²
/// (Chan, Golub and LeVeque's pairwise update): the robustness of two passes over the data for one pass over memory.
/// Parameter order as BatchNormKernel.
/// </summary>
internal static unsafe class BatchNormRowsKernel
{
    /// <summary>Floats per Vector512: the channels that advance together.</summary>
    private const int Lanes = 16;

    /// <summary>Values per row block: 128 KB, so a block's second walk (the deviations) reads the core's L2, not memory.</summary>
    private const int BlockValues = 32768;

    /// <summary>BatchNormKernel.TrainStatistics for [N, C] rows.</summary>
    public static void TrainStatistics(float* x, float* gamma, float* beta, int rows, int channels, int steps, float epsilon, float momentum,
        float* savedMean, float* savedInvStd, float* runningMean, float* runningVar, float* scale, float* shift)
    {
        var (blockRows, blocks) = RowBlocks(rows, channels, steps);
        int stepRows = rows / steps;
        // Block b's Σx [C] and M2_b [C], then the merged Σx, M2 and a scratch row.
        double[] scratch = ArrayPool<double>.Shared.Rent((2 * blocks + 3) * channels);
        fixed (double* parts = scratch)
        {
            double* pp = parts;
            SumBlocks(blocks, channels, pp, (b, sum) =>
            {
                int first = b * blockRows, count = Math.Min(blockRows, stepRows - first);
                for (int t = 0; t < steps; t++) SumRows(x + ((long)t * stepRows + first) * channels, null, count, channels, sum);
                for (int t = 0; t < steps; t++)
                    SumSquaredDeviations(x + ((long)t * stepRows + first) * channels, count, channels, sum, 1.0 / ((long)count * steps), sum + channels);
            });
            var total = new Span<double>(pp + 2L * blocks * channels, channels);
            var m2 = new Span<double>(pp + (2L * blocks + 1) * channels, channels);
            var deviation = new Span<double>(pp + (2L * blocks + 2) * channels, channels);
            total.Clear();
            m2.Clear();
            for (int b = 0; b < blocks; b++) TP.Add(total, new ReadOnlySpan<double>(Partial(pp, b, 0, channels), channels), total);
            TP.Divide(total, (double)rows, total);
            for (int b = 0; b < blocks; b++)
            {
                // n_b·(mean_b − mean)² written as (Σ_b x − n_b·mean)² / n_b.
                int n = Math.Min(blockRows, stepRows - b * blockRows) * steps;
                TP.MultiplyAdd(total, -n, new ReadOnlySpan<double>(Partial(pp, b, 0, channels), channels), deviation);
                TP.Multiply(deviation, deviation, deviation);
                TP.MultiplyAdd(deviation, 1.0 / n, m2, m2);
                TP.Add(m2, new ReadOnlySpan<double>(Partial(pp, b, 1, channels), channels), m2);
            }
            for (int c = 0; c < channels; c++)
            {
                double mu = total[c], invStd = 1 / Math.Sqrt(m2[c] / rows + epsilon), s = invStd * gamma[c];
                savedMean[c] = (float)mu;
                scale[c] = (float)s;
                // As BatchNormKernel: the shift puts back what rounding the mean to float lost.
                shift[c] = (float)(beta[c] + (savedMean[c] - mu) * s);
                savedInvStd[c] = (float)invStd;
                runningMean[c] = (float)((1 - momentum) * (double)runningMean[c] + momentum * mu);
                runningVar[c] = (float)((1 - momentum) * (double)runningVar[c] + momentum * m2[c] / (rows - 1));
            }
        }
        ArrayPool<double>.Shared.Return(scratch);
    }

    public static void Backward(float* dy, float* x, float* gamma, float* savedMean, float* savedInvStd, int rows, int channels, int steps,
        float* dx, float* gradGamma, float* gradBeta)
    {
        var (blockRows, blocks) = RowBlocks(rows, channels, steps);
        int stepRows = rows / steps;
        // Block b's Σ∂y [C] and Σ∂y·x [C], then the merged two.
        double[] scratch = ArrayPool<double>.Shared.Rent(2 * (blocks + 1) * channels);
        float[] perChannel = ArrayPool<float>.Shared.Rent(3 * channels);
        fixed (double* parts = scratch)
        fixed (float* pc = perChannel)
        {
            double* pp = parts;
            SumBlocks(blocks, channels, pp, (b, sums) =>
            {
                int first = b * blockRows, count = Math.Min(blockRows, stepRows - first);
                for (int t = 0; t < steps; t++)
                {
                    long offset = ((long)t * stepRows + first) * channels;
                    SumRows(dy + offset, x + offset, count, channels, sums);
                }
            });
            var sumDy = new Span<double>(pp + 2L * blocks * channels, channels);
            var sumDyX = new Span<double>(pp + (2L * blocks + 1) * channels, channels);
            sumDy.Clear();
            sumDyX.Clear();
            for (int b = 0; b < blocks; b++)
            {
                TP.Add(sumDy, new ReadOnlySpan<double>(Partial(pp, b, 0, channels), channels), sumDy);
                TP.Add(sumDyX, new ReadOnlySpan<double>(Partial(pp, b, 1, channels), channels), sumDyX);
            }
            float* a = pc, slope = pc + channels, offsets = pc + 2 * channels;
            for (int c = 0; c < channels; c++)
            {
                // As BatchNormKernel.Backward: Σ∂y·x̂ = invstd·(Σ∂y·x − mean·Σ∂y); ∂x = a·∂y + slope·(x − mean) + offset.
                double invStd = savedInvStd[c], sumDyXhat = invStd * (sumDyX[c] - savedMean[c] * sumDy[c]);
                (gradBeta[c], gradGamma[c]) = ((float)sumDy[c], (float)sumDyXhat);
                double ad = gamma[c] * invStd;
                a[c] = (float)ad;
                slope[c] = (float)(-ad * invStd * sumDyXhat / rows);
                offsets[c] = (float)(-ad * sumDy[c] / rows);
            }
            Parallelism.For(stepRows, Math.Max(1, 16384 / channels / steps), (r0, r1) =>
            {
                for (int t = 0; t < steps; t++)
                    for (int i = t * stepRows + r0; i < t * stepRows + r1; i++)
                    {
                        long o = (long)i * channels;
                        int j = 0;
                        for (; j + Lanes <= channels; j += Lanes)
                            Vector512.Store(Vector512.Load(dy + o + j) * Vector512.Load(a + j)
                                + ((Vector512.Load(x + o + j) - Vector512.Load(savedMean + j)) * Vector512.Load(slope + j) + Vector512.Load(offsets + j)), dx + o + j);
                        for (; j < channels; j++) dx[o + j] = dy[o + j] * a[j] + ((x[o + j] - savedMean[j]) * slope[j] + offsets[j]);
                    }
            });
        }
        ArrayPool<double>.Shared.Return(scratch);
        ArrayPool<float>.Shared.Return(perChannel);
    }

    /// <summary>y = (x − mean)·scale + shift per [C] row, as BatchNormKernel.Normalise computes it (no fused multiply-add); training's normalisation too.</summary>
    public static void ForwardEval(float* x, float* mean, float* scale, float* shift, int rows, int channels, float* y)
    {
        Parallelism.For(rows, Math.Max(1, 16384 / channels), (r0, r1) =>
        {
            for (int i = r0; i < r1; i++)
            {
                float* xr = x + (long)i * channels, yr = y + (long)i * channels;
                int j = 0;
                for (; j + Lanes <= channels; j += Lanes)
                    Vector512.Store((Vector512.Load(xr + j) - Vector512.Load(mean + j)) * Vector512.Load(scale + j) + Vector512.Load(shift + j), yr + j);
                for (; j < channels; j++) yr[j] = (xr[j] - mean[j]) * scale[j] + shift[j];
            }
        });
    }

    /// <summary>
    /// Rows of each step per block (a block is about <see cref="BlockValues"/> values, set by the shape alone) and the
    /// number of blocks.
    /// </summary>
    private static (int BlockRows, int Blocks) RowBlocks(int rows, int channels, int steps)
    {
        if (steps < 1 || rows % steps != 0) throw new ArgumentException($"BatchNorm: {rows} rows are not {steps} steps of equal length.");
        int stepRows = rows / steps, blockRows = Math.Max(1, BlockValues / channels / steps);
        return (blockRows, (stepRows + blockRows - 1) / blockRows);
    }

    internal delegate void BlockBody(int block, double* sums);

    [ThreadStatic] private static double[]? t_blockSums;

    /// <summary>
    /// For every block, blocks in parallel: body(block, sums) adds the block's 2·C sums into this thread's zeroed
    /// buffer, which is then stored as the block's partials, 2·C doubles at <paramref name="partials"/> + 2·b·C. Added
    /// into the shared partials directly, two threads on neighbouring blocks passed the cache line where one block's
    /// partials end and the next one's begin back and forth on every row: [12544, 64] forward and backward ran slower
    /// on two threads than on one (1.02 → 1.38 and 1.05 → 1.47 ms, paired; speed.md round 10).
    /// <see cref="BatchNormKernel"/>'s blocks of images use it too.
    /// </summary>
    internal static void SumBlocks(int blocks, int channels, double* partials, BlockBody body)
    {
        nint pp = (nint)partials;
        Parallelism.For(blocks, 1, (b0, b1) =>
        {
            double* sums = ThreadBuffer.Pinned(ref t_blockSums, 2 * channels);
            for (int b = b0; b < b1; b++)
            {
                new Span<double>(sums, 2 * channels).Clear();
                body(b, sums);
                new ReadOnlySpan<double>(sums, 2 * channels).CopyTo(new Span<double>((double*)pp + 2L * b * channels, 2 * channels));
            }
        });
    }

    /// <summary>Block b's partial number <paramref name="which"/> [C] (0: Σx or Σ∂y; 1: M2_b or Σ∂y·x); two per block.</summary>
    private static double* Partial(double* partials, int b, int which, int channels) => partials + (2L * b + which) * channels;

    /// <summary>
    /// Per channel c, over the rows in order: out[c] += Σ p[i·C + c] in double, and when <paramref name="q"/> is given
    /// also out[C + c] += Σ p·q (the backward's Σ∂y and Σ∂y·x in one walk), into <see cref="SumBlocks"/>'s zeroed buffer.
    /// </summary>
    private static void SumRows(float* p, float* q, int rows, int channels, double* result)
    {
        double* products = result + channels;
        for (int i = 0; i < rows; i++)
        {
            long row = (long)i * channels;
            int j = 0;
            for (; j + Lanes <= channels; j += Lanes)
            {
                var (lo, hi) = Vector512.Widen(Vector512.Load(p + row + j));
                (Vector512.Load(result + j) + lo).Store(result + j);
                (Vector512.Load(result + j + 8) + hi).Store(result + j + 8);
                if (q is null) continue;
                var (wLo, wHi) = Vector512.Widen(Vector512.Load(q + row + j));
                (Vector512.Load(products + j) + lo * wLo).Store(products + j);
                (Vector512.Load(products + j + 8) + hi * wHi).Store(products + j + 8);
            }
            for (; j < channels; j++)
            {
                result[j] += p[row + j];
                if (q is not null) products[j] += (double)p[row + j] * q[row + j];
            }
        }
    }

    /// <summary>m2[c] += Σ (p[i·C + c] − mean_c)² in double over the rows in order, mean_c = sum[c]·<paramref name="inverse"/>
    /// (1 / the block's rows; the block is still in cache), into <see cref="SumBlocks"/>'s zeroed buffer.</summary>
    private static void SumSquaredDeviations(float* p, int rows, int channels, double* sum, double inverse, double* m2)
    {
        for (int i = 0; i < rows; i++)
        {
            float* row = p + (long)i * channels;
            int j = 0;
            for (; j + Lanes <= channels; j += Lanes)
            {
                var (lo, hi) = Vector512.Widen(Vector512.Load(row + j));
                (lo, hi) = (lo - Vector512.Load(sum + j) * inverse, hi - Vector512.Load(sum + j + 8) * inverse);
                (Vector512.Load(m2 + j) + lo * lo).Store(m2 + j);
                (Vector512.Load(m2 + j + 8) + hi * hi).Store(m2 + j + 8);
            }
            for (; j < channels; j++)
            {
                double d = row[j] - sum[j] * inverse;
                m2[j] += d * d;
            }
        }
    }
}
