// Batch norm over [B, C] rows (BatchNorm1d on tokens [T, N, L, D], spatial = 1): channels run along the SIMD lanes.
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// The spatial = 1 case of <see cref="BatchNormKernel"/>. The per-channel kernel would walk B segments of one
/// value each per channel; here each row of C values is read with Vector512 loads and eight channels' double
/// accumulators advance together. Every channel still sums its values in row order 0 … B−1 in double, exactly as
/// the per-channel kernel does for one-value segments, so the results are bit-identical to it (tested) and
/// independent of the thread count (threads own disjoint channel blocks). Parameter order as BatchNormKernel.
/// </summary>
internal static unsafe class BatchNormRowsKernel
{
    /// <summary>Channels per block: two Vector512&lt;double&gt; accumulators per float vector of 16.</summary>
    private const int Block = 16;

    public static void ForwardTrain(float* x, float* gamma, float* beta, int rows, int channels, float epsilon, float momentum,
        float* y, float* savedMean, float* savedInvStd, float* runningMean, float* runningVar)
    {
        ForChunks(rows, channels, (b0, b1) =>
        {
            int c0 = b0 * Block, width = Math.Min(b1 * Block, channels) - c0;
            double* sum = stackalloc double[width], squares = stackalloc double[width];
            float* scale = stackalloc float[width], mean = stackalloc float[width], shift = stackalloc float[width];
            SumRows(x, null, rows, channels, c0, width, null, sum);
            for (int j = 0; j < width; j++) sum[j] /= rows;
            SumRows(x, null, rows, channels, c0, width, sum, squares);
            for (int j = 0; j < width; j++)
            {
                int c = c0 + j;
                double mu = sum[j], invStd = 1 / Math.Sqrt(squares[j] / rows + epsilon), s = invStd * gamma[c];
                mean[j] = (float)mu;
                scale[j] = (float)s;
                // As BatchNormKernel: the shift puts back what rounding the mean to float lost.
                shift[j] = (float)(beta[c] + (mean[j] - mu) * s);
                (savedMean[c], savedInvStd[c]) = (mean[j], (float)invStd);
                runningMean[c] = (float)((1 - momentum) * (double)runningMean[c] + momentum * mu);
                runningVar[c] = (float)((1 - momentum) * (double)runningVar[c] + momentum * squares[j] / (rows - 1));
            }
            for (int i = 0; i < rows; i++)
            {
                float* xr = x + (long)i * channels + c0, yr = y + (long)i * channels + c0;
                int j = 0;
                for (; j + Block <= width; j += Block)
                    Vector512.Store((Vector512.Load(xr + j) - Vector512.Load(mean + j)) * Vector512.Load(scale + j) + Vector512.Load(shift + j), yr + j);
                for (; j < width; j++) yr[j] = (xr[j] - mean[j]) * scale[j] + shift[j];
            }
        });
    }

    public static void Backward(float* dy, float* x, float* gamma, float* savedMean, float* savedInvStd, int rows, int channels,
        float* dx, float* gradGamma, float* gradBeta)
    {
        ForChunks(rows, channels, (b0, b1) =>
        {
            int c0 = b0 * Block, width = Math.Min(b1 * Block, channels) - c0;
            double* sumDy = stackalloc double[width], sumDyX = stackalloc double[width];
            float* a = stackalloc float[width], b = stackalloc float[width], offset = stackalloc float[width], mean = stackalloc float[width];
            SumRows(dy, null, rows, channels, c0, width, null, sumDy);
            SumRows(dy, x, rows, channels, c0, width, null, sumDyX);
            for (int j = 0; j < width; j++)
            {
                int c = c0 + j;
                double invStd = savedInvStd[c], sumDyXhat = invStd * (sumDyX[j] - savedMean[c] * sumDy[j]);
                (gradBeta[c], gradGamma[c]) = ((float)sumDy[j], (float)sumDyXhat);
                double ad = gamma[c] * invStd;
                a[j] = (float)ad;
                b[j] = (float)(-ad * invStd * sumDyXhat / rows);
                offset[j] = (float)(-ad * sumDy[j] / rows);
                mean[j] = savedMean[c];
            }
            for (int i = 0; i < rows; i++)
            {
                long o = (long)i * channels + c0;
                int j = 0;
                for (; j + Block <= width; j += Block)
                    Vector512.Store(Vector512.Load(dy + o + j) * Vector512.Load(a + j)
                        + ((Vector512.Load(x + o + j) - Vector512.Load(mean + j)) * Vector512.Load(b + j) + Vector512.Load(offset + j)), dx + o + j);
                for (; j < width; j++) dx[o + j] = dy[o + j] * a[j] + ((x[o + j] - mean[j]) * b[j] + offset[j]);
            }
        });
    }

    /// <summary>Eval: y = (x − mean)·scale + shift per [C] row, as BatchNormKernel.Normalise computes it (no fused multiply-add).</summary>
    public static void ForwardEval(float* x, float* mean, float* scale, float* shift, int rows, int channels, float* y)
    {
        Parallelism.For(rows, Math.Max(1, 16384 / channels), (r0, r1) =>
        {
            for (int i = r0; i < r1; i++)
            {
                float* xr = x + (long)i * channels, yr = y + (long)i * channels;
                int j = 0;
                for (; j <= channels - Block; j += Block)
                    Vector512.Store((Vector512.Load(xr + j) - Vector512.Load(mean + j)) * Vector512.Load(scale + j) + Vector512.Load(shift + j), yr + j);
                for (; j < channels; j++) yr[j] = (xr[j] - mean[j]) * scale[j] + shift[j];
            }
        });
    }

    private static int Blocks(int channels) => (channels + Block - 1) / Block;

    /// <summary>
    /// body(first block, end block) over channel blocks, at most one chunk per thread: every chunk walks all the rows
    /// once per pass, a row's channels side by side. Block by block, the walks were strided (one 64-byte line per row)
    /// and each missed the TLB every few rows; a chunk's whole channel range is read as one stretch of each row.
    /// </summary>
    private static void ForChunks(int rows, int channels, Action<int, int> body)
    {
        // At most 64 blocks (1,024 channels) per body: it keeps ~28 bytes per channel on the stack.
        Parallelism.For(Blocks(channels), Math.Max(1, 65536 / Math.Max(1, rows * Block)), chunksPerThread: 1, (b0, b1) =>
        {
            for (int s0 = b0; s0 < b1; s0 += 64) body(s0, Math.Min(s0 + 64, b1));
        });
    }

    /// <summary>
    /// Per channel j &lt; width (channels c0 + j), in row order: out[j] = Σ_i f(p[i·C + c0 + j]) in double, where f(v) = v,
    /// or v·q[i·C + c0 + j] when <paramref name="q"/> is given, or (v − mean[j])² when <paramref name="mean"/> is given.
    /// Whole blocks of 16 channels advance together with Vector512 (each channel's sum is still one chain in row order);
    /// a last partial block sums channel by channel.
    /// </summary>
    private static void SumRows(float* p, float* q, int rows, int channels, int c0, int width, double* mean, double* result)
    {
        int whole = width / Block * Block;
        new Span<double>(result, whole).Clear();
        for (int i = 0; i < rows && whole > 0; i++)
        {
            long row = (long)i * channels + c0;
            for (int j = 0; j < whole; j += Block)
            {
                var (vLo, vHi) = Vector512.Widen(Vector512.Load(p + row + j));
                if (q is not null)
                {
                    var (wLo, wHi) = Vector512.Widen(Vector512.Load(q + row + j));
                    (vLo, vHi) = (vLo * wLo, vHi * wHi);
                }
                else if (mean is not null)
                {
                    (vLo, vHi) = (vLo - Vector512.Load(mean + j), vHi - Vector512.Load(mean + j + 8));
                    (vLo, vHi) = (vLo * vLo, vHi * vHi);
                }
                (Vector512.Load(result + j) + vLo).Store(result + j);
                (Vector512.Load(result + j + 8) + vHi).Store(result + j + 8);
            }
        }
        for (int j = whole; j < width; j++)
        {
            double s = 0;
            for (int i = 0; i < rows; i++)
            {
                double v = p[(long)i * channels + c0 + j];
                s += q is not null ? v * q[(long)i * channels + c0 + j] : mean is not null ? (v - mean[j]) * (v - mean[j]) : v;
            }
            result[j] = s;
        }
    }
}
