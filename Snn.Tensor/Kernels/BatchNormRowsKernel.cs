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
        Parallelism.For(Blocks(channels), Math.Max(1, 65536 / Math.Max(1, rows * Block)), (b0, b1) =>
        {
            double* sum = stackalloc double[Block], squares = stackalloc double[Block];
            float* scale = stackalloc float[Block], mean = stackalloc float[Block], shift = stackalloc float[Block];
            for (int block = b0; block < b1; block++)
            {
                int c0 = block * Block, width = Math.Min(Block, channels - c0);
                SumRows(x + c0, null, rows, channels, width, null, sum);
                for (int j = 0; j < width; j++) sum[j] /= rows;
                SumRows(x + c0, null, rows, channels, width, sum, squares);
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
                    if (width == Block)
                        Vector512.Store((Vector512.Load(xr) - Vector512.Load(mean)) * Vector512.Load(scale) + Vector512.Load(shift), yr);
                    else
                        for (int j = 0; j < width; j++) yr[j] = (xr[j] - mean[j]) * scale[j] + shift[j];
                }
            }
        });
    }

    public static void Backward(float* dy, float* x, float* gamma, float* savedMean, float* savedInvStd, int rows, int channels,
        float* dx, float* gradGamma, float* gradBeta)
    {
        Parallelism.For(Blocks(channels), Math.Max(1, 65536 / Math.Max(1, rows * Block)), (b0, b1) =>
        {
            double* sumDy = stackalloc double[Block], sumDyX = stackalloc double[Block];
            float* a = stackalloc float[Block], b = stackalloc float[Block], offset = stackalloc float[Block], mean = stackalloc float[Block];
            for (int block = b0; block < b1; block++)
            {
                int c0 = block * Block, width = Math.Min(Block, channels - c0);
                SumRows(dy + c0, null, rows, channels, width, null, sumDy);
                SumRows(dy + c0, x + c0, rows, channels, width, null, sumDyX);
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
                    if (width == Block)
                        Vector512.Store(Vector512.Load(dy + o) * Vector512.Load(a)
                            + ((Vector512.Load(x + o) - Vector512.Load(mean)) * Vector512.Load(b) + Vector512.Load(offset)), dx + o);
                    else
                        for (int j = 0; j < width; j++) dx[o + j] = dy[o + j] * a[j] + ((x[o + j] - mean[j]) * b[j] + offset[j]);
                }
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
    /// Per channel j &lt; width, in row order: out[j] = Σ_i f(p[i·C + j]) in double, where f(v) = v, or v·q[i·C + j]
    /// when <paramref name="q"/> is given, or (v − mean[j])² when <paramref name="mean"/> is given.
    /// </summary>
    private static void SumRows(float* p, float* q, int rows, int channels, int width, double* mean, double* result)
    {
        if (width == Block)
        {
            Vector512<double> lo = default, hi = default;
            Vector512<double> mLo = mean is null ? default : Vector512.Load(mean), mHi = mean is null ? default : Vector512.Load(mean + 8);
            for (int i = 0; i < rows; i++)
            {
                var (vLo, vHi) = Vector512.Widen(Vector512.Load(p + (long)i * channels));
                if (q is not null)
                {
                    var (wLo, wHi) = Vector512.Widen(Vector512.Load(q + (long)i * channels));
                    (vLo, vHi) = (vLo * wLo, vHi * wHi);
                }
                else if (mean is not null)
                {
                    (vLo, vHi) = (vLo - mLo, vHi - mHi);
                    (vLo, vHi) = (vLo * vLo, vHi * vHi);
                }
                (lo, hi) = (lo + vLo, hi + vHi);
            }
            lo.Store(result);
            hi.Store(result + 8);
            return;
        }
        for (int j = 0; j < width; j++)
        {
            double s = 0;
            for (int i = 0; i < rows; i++)
            {
                double v = p[(long)i * channels + j];
                s += q is not null ? v * q[(long)i * channels + j] : mean is not null ? (v - mean[j]) * (v - mean[j]) : v;
            }
            result[j] = s;
        }
    }
}
