// Batch norm over [N, C, spatial]: statistics in double over blocks of images, the fused backward formula.
using System.Buffers;
using System.Numerics;

namespace Snn.Kernels;

/// <summary>
/// Same formulas as <see cref="BatchNormReference"/> with float data. Sums run in double (see <see cref="DoubleSums"/>)
/// because a channel can hold millions of values; y is computed as (x − mean)·scale + β rather than x·scale + shift,
/// which would lose the low bits of x when |mean| ≫ std.
/// The statistics walk memory in order: threads take blocks of whole images (about <see cref="BlockValues"/> values,
/// fixed by the shape alone), sum every channel of a block while it is in the core's cache, and the blocks' partials
/// are merged in block order, so results do not depend on <see cref="Parallelism.Threads"/>. Variance: each block's
/// two-pass M2_b, merged as M2 = Σ_b M2_b + n_b·(mean_b − mean)² (Chan, Golub and LeVeque), as
/// <see cref="BatchNormRowsKernel"/> does for [N, C] rows. Split by channel instead, a thread read one S-value segment
/// of every image in turn (784 bytes every 50 KB at csnn's [256, 64, 196]), and the forward and backward there took
/// 4.2 and 5.1 ms on one thread, where a copy of the tensor takes 0.66 ms, and scaled 1.43–1.65 on two.
/// Parameter order: sources, geometry and settings, destinations.
/// </summary>
public static class BatchNormKernel
{
    /// <summary>
    /// Training forward: y [N, C, S]; saves mean [C] and invStd [C] = 1/√(var + eps) for backward; updates running
    /// stats [C] in place the PyTorch way, running = (1 − momentum)·running + momentum·batch (unbiased var).
    /// </summary>
    public static unsafe void ForwardTrain(ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, in BatchNormGeometry geometry,
        float epsilon, float momentum, Span<float> output, Span<float> savedMean, Span<float> savedInvStd, Span<float> runningMean, Span<float> runningVar)
    {
        var g = geometry;
        g.Check("ForwardTrain", input.Length, output.Length, gamma.Length, beta.Length, savedMean.Length, savedInvStd.Length, runningMean.Length, runningVar.Length);
        float[] perChannel = ArrayPool<float>.Shared.Rent(2 * g.Channels);
        Span<float> scale = perChannel.AsSpan(0, g.Channels), shift = perChannel.AsSpan(g.Channels, g.Channels);
        TrainStatistics(input, gamma, beta, g, epsilon, momentum, savedMean, savedInvStd, runningMean, runningVar, scale, shift);
        fixed (float* px = input, py = output, pm = savedMean, ps = scale, pt = shift)
        {
            if (g.Spatial == 1) BatchNormRowsKernel.ForwardEval(px, pm, ps, pt, g.Batch, g.Channels, py);
            else NormaliseAll(px, pm, ps, pt, g, py);
        }
        ArrayPool<float>.Shared.Return(perChannel);
    }

    /// <summary>
    /// The statistics half of <see cref="ForwardTrain"/>: saves mean and invStd, updates the running stats, and
    /// gives the per-channel scale and shift with which y = (x − mean)·scale + shift (each step rounded on its own),
    /// for a caller that normalises as it goes (<see cref="NeuronKernel.ForwardNormalised"/>).
    /// </summary>
    public static unsafe void TrainStatistics(ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, in BatchNormGeometry geometry,
        float epsilon, float momentum, Span<float> savedMean, Span<float> savedInvStd, Span<float> runningMean, Span<float> runningVar,
        Span<float> scale, Span<float> shift)
    {
        var g = geometry;
        g.Check("TrainStatistics", input.Length, input.Length, gamma.Length, beta.Length, savedMean.Length, savedInvStd.Length, runningMean.Length,
            runningVar.Length, scale.Length, shift.Length);
        if (g.PerChannel < 2) throw new ArgumentException($"BatchNorm.ForwardTrain: needs more than one value per channel, got {g}.");
        fixed (float* px = input, pg = gamma, pb = beta, pm = savedMean, pi = savedInvStd, prm = runningMean, prv = runningVar, psc = scale, psh = shift)
        {
            float* x = px, gm = pg, bt = pb, mean = pm, inv = pi, rm = prm, rv = prv, scales = psc, shifts = psh;
            if (g.Spatial == 1)
            {
                BatchNormRowsKernel.TrainStatistics(x, gm, bt, g.Batch, g.Channels, g.Steps, epsilon, momentum, mean, inv, rm, rv, scales, shifts);
                return;
            }
            var (blockImages, blocks) = ImageBlocks(g);
            // Block b's Σx [C] and M2_b [C]; then per channel the float mean, scale and shift.
            double[] scratch = ArrayPool<double>.Shared.Rent(2 * blocks * g.Channels);
            fixed (double* parts = scratch)
            {
                BatchNormRowsKernel.SumBlocks(blocks, g.Channels, parts, (b, sum) =>
                {
                    int i0 = b * blockImages, i1 = Math.Min(g.Batch, i0 + blockImages);
                    double* m2 = sum + g.Channels;
                    for (int i = i0; i < i1; i++)
                        for (int c = 0; c < g.Channels; c++) sum[c] += DoubleSums.Sum(Segment(x, g, i, c));
                    // The block is still in the core's cache: its two-pass M2_b around its own mean.
                    double count = (double)(i1 - i0) * g.Spatial;
                    for (int i = i0; i < i1; i++)
                        for (int c = 0; c < g.Channels; c++) m2[c] += DoubleSums.SumSquaredDeviations(Segment(x, g, i, c), sum[c] / count);
                });
                for (int c = 0; c < g.Channels; c++)
                {
                    double total = 0, squares = 0;
                    for (int b = 0; b < blocks; b++) total += parts[2L * b * g.Channels + c];
                    double mu = total / g.PerChannel;
                    for (int b = 0; b < blocks; b++)
                    {
                        // Chan, Golub and LeVeque: M2 = Σ_b M2_b + n_b·(mean_b − mean)², written as (Σ_b x − n_b·mean)²/n_b.
                        double n = (double)Math.Min(blockImages, g.Batch - b * blockImages) * g.Spatial;
                        double deviation = parts[2L * b * g.Channels + c] - n * mu;
                        squares += parts[(2L * b + 1) * g.Channels + c] + deviation * deviation / n;
                    }
                    double invStd = 1 / Math.Sqrt(squares / g.PerChannel + epsilon);
                    // x − (float)mean is exact for x near the mean; the shift puts back what rounding the mean lost.
                    mean[c] = (float)mu;
                    double s = invStd * gm[c];
                    (scales[c], shifts[c]) = ((float)s, (float)(bt[c] + (mean[c] - mu) * s));
                    inv[c] = (float)invStd;
                    rm[c] = (float)((1 - momentum) * (double)rm[c] + momentum * mu);
                    rv[c] = (float)((1 - momentum) * (double)rv[c] + momentum * squares / (g.PerChannel - 1));
                }
            }
            ArrayPool<double>.Shared.Return(scratch);
        }
    }

    /// <summary>Inference forward: y = (x − running_mean)/√(running_var + eps)·γ + β.</summary>
    public static unsafe void ForwardEval(ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean,
        ReadOnlySpan<float> runningVar, in BatchNormGeometry geometry, float epsilon, Span<float> output) =>
        ForwardEval(input, gamma, beta, runningMean, runningVar, geometry, epsilon, output, rowsKernel: true);

    /// <summary>As the public overload; <paramref name="rowsKernel"/> = false keeps spatial = 1 on the per-segment path (the test's reference).</summary>
    internal static unsafe void ForwardEval(ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean,
        ReadOnlySpan<float> runningVar, in BatchNormGeometry geometry, float epsilon, Span<float> output, bool rowsKernel)
    {
        var g = geometry;
        g.Check("ForwardEval", input.Length, output.Length, gamma.Length, beta.Length, runningMean.Length, runningVar.Length);
        // The per-channel scale once, not once per segment (a token BN has one-value segments).
        var scales = new float[g.Channels];
        for (int c = 0; c < g.Channels; c++) scales[c] = EvalScale(gamma[c], runningVar[c], epsilon);
        fixed (float* px = input, py = output, pb = beta, prm = runningMean, ps = scales)
        {
            float* x = px, y = py, bt = pb, rm = prm, sc = ps;
            if (rowsKernel && g.Spatial == 1)
            {
                BatchNormRowsKernel.ForwardEval(x, rm, sc, bt, g.Batch, g.Channels, y);
                return;
            }
            NormaliseAll(x, rm, sc, bt, g, y);
        }
    }

    /// <summary>γ/√(running_var + eps), rounded once to float: the eval scale every path (and BN folding) uses.</summary>
    public static float EvalScale(float gamma, float runningVar, float epsilon) => (float)(gamma / Math.Sqrt((double)runningVar + epsilon));

    /// <summary>
    /// From ∂y [N, C, S], x and the saved mean/invStd: ∂x [N, C, S] = γ·invstd/M·(M·∂y − Σ∂y − x̂·Σ∂y·x̂),
    /// ∂γ [C] = Σ ∂y·x̂, ∂β [C] = Σ ∂y (overwritten, not accumulated). M = N·S.
    /// </summary>
    public static unsafe void Backward(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> input, ReadOnlySpan<float> gamma, ReadOnlySpan<float> savedMean,
        ReadOnlySpan<float> savedInvStd, in BatchNormGeometry geometry, Span<float> gradInput, Span<float> gradGamma, Span<float> gradBeta)
    {
        var g = geometry;
        g.Check("Backward", input.Length, gradInput.Length, gamma.Length, savedMean.Length, savedInvStd.Length, gradGamma.Length, gradBeta.Length);
        if (gradOutput.Length != g.Length) throw new ArgumentException($"BatchNorm.Backward: gradOutput has {gradOutput.Length} values, expected {g.Length}.");
        fixed (float* pdy = gradOutput, px = input, pg = gamma, pm = savedMean, pi = savedInvStd, pdx = gradInput, pdg = gradGamma, pdb = gradBeta)
        {
            float* dy = pdy, x = px, gm = pg, mean = pm, inv = pi, dx = pdx, dg = pdg, db = pdb;
            if (g.Spatial == 1)
            {
                BatchNormRowsKernel.Backward(dy, x, gm, mean, inv, g.Batch, g.Channels, g.Steps, dx, dg, db);
                return;
            }
            var (blockImages, blocks) = ImageBlocks(g);
            // Block b's Σ∂y [C] and Σ∂y·x [C]; then per channel the three coefficients of ∂x.
            double[] scratch = ArrayPool<double>.Shared.Rent(2 * blocks * g.Channels);
            float[] perChannel = ArrayPool<float>.Shared.Rent(3 * g.Channels);
            fixed (double* parts = scratch)
            fixed (float* pc = perChannel)
            {
                BatchNormRowsKernel.SumBlocks(blocks, g.Channels, parts, (b, sumDy) =>
                {
                    int i0 = b * blockImages, i1 = Math.Min(g.Batch, i0 + blockImages);
                    double* sumDyX = sumDy + g.Channels;
                    for (int i = i0; i < i1; i++)
                        for (int c = 0; c < g.Channels; c++)
                        {
                            sumDy[c] += DoubleSums.Sum(Segment(dy, g, i, c));
                            sumDyX[c] += DoubleSums.Dot(Segment(dy, g, i, c), Segment(x, g, i, c));
                        }
                });
                float* a = pc, slope = pc + g.Channels, offset = pc + 2 * g.Channels;
                for (int c = 0; c < g.Channels; c++)
                {
                    double sumDy = 0, sumDyX = 0;
                    for (int b = 0; b < blocks; b++)
                    {
                        sumDy += parts[2L * b * g.Channels + c];
                        sumDyX += parts[(2L * b + 1) * g.Channels + c];
                    }
                    // Σ∂y·x̂ = invstd·(Σ∂y·x − mean·Σ∂y): one pass over x instead of two; in double the difference is safe.
                    double invStd = inv[c], sumDyXhat = invStd * (sumDyX - mean[c] * sumDy);
                    (db[c], dg[c]) = ((float)sumDy, (float)sumDyXhat);
                    // ∂x = a·∂y + slope·(x − mean) + offset, the formula above expanded with x̂ = (x − mean)·invstd.
                    double ad = gm[c] * invStd, m = g.PerChannel;
                    (a[c], slope[c], offset[c]) = ((float)ad, (float)(-ad * invStd * sumDyXhat / m), (float)(-ad * sumDy / m));
                }
                float* pa = a, ps = slope, po = offset;
                Parallelism.For(g.Batch * g.Channels, Math.Max(1, 16384 / g.Spatial), (s0, s1) =>
                {
                    for (int seg = s0; seg < s1; seg++)
                    {
                        int i = seg / g.Channels, c = seg % g.Channels;
                        GradientInput(Segment(dy, g, i, c), Segment(x, g, i, c), mean[c], pa[c], ps[c], po[c], Segment(dx, g, i, c));
                    }
                });
            }
            ArrayPool<double>.Shared.Return(scratch);
            ArrayPool<float>.Shared.Return(perChannel);
        }
    }

    /// <summary>Values per block of images: 128 KB, so a block's second walk reads the core's L2, not memory.</summary>
    private const int BlockValues = 32768;

    /// <summary>Images per block (about <see cref="BlockValues"/> values, at least one image; set by the shape alone) and the number of blocks.</summary>
    private static (int BlockImages, int Blocks) ImageBlocks(in BatchNormGeometry g)
    {
        int blockImages = Math.Max(1, BlockValues / (g.Channels * g.Spatial));
        return (blockImages, (g.Batch + blockImages - 1) / blockImages);
    }

    /// <summary>y = (x − mean[c])·scale[c] + shift[c] over every segment, images in parallel.</summary>
    private static unsafe void NormaliseAll(float* x, float* mean, float* scale, float* shift, BatchNormGeometry g, float* y)
    {
        Parallelism.For(g.Batch * g.Channels, Math.Max(1, 16384 / g.Spatial), (s0, s1) =>
        {
            for (int seg = s0; seg < s1; seg++)
            {
                int i = seg / g.Channels, c = seg % g.Channels;
                Normalise(Segment(x, g, i, c), mean[c], scale[c], shift[c], Segment(y, g, i, c));
            }
        });
    }

    /// <summary>y = (x − mean)·scale + shift over one [S] segment.</summary>
    private static void Normalise(ReadOnlySpan<float> x, float mean, float scale, float shift, Span<float> y)
    {
        // One walk, each step rounded as its own operation (no fused multiply-add), as three TensorPrimitives calls would.
        var (m, sc, sh) = (new Vector<float>(mean), new Vector<float>(scale), new Vector<float>(shift));
        int j = 0;
        for (; j + Vector<float>.Count <= x.Length; j += Vector<float>.Count)
            ((new Vector<float>(x[j..]) - m) * sc + sh).CopyTo(y[j..]);
        for (; j < x.Length; j++) y[j] = (x[j] - mean) * scale + shift;
    }

    /// <summary>∂x = ∂y·a + ((x − mean)·slope + offset) over one [S] segment, each step rounded on its own.</summary>
    private static void GradientInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float a, float slope, float offset, Span<float> dx)
    {
        var (m, va, vs, vo) = (new Vector<float>(mean), new Vector<float>(a), new Vector<float>(slope), new Vector<float>(offset));
        int j = 0;
        for (; j + Vector<float>.Count <= x.Length; j += Vector<float>.Count)
            (new Vector<float>(dy[j..]) * va + ((new Vector<float>(x[j..]) - m) * vs + vo)).CopyTo(dx[j..]);
        for (; j < x.Length; j++) dx[j] = dy[j] * a + ((x[j] - mean) * slope + offset);
    }

    /// <summary>The S contiguous values of sample i, channel c.</summary>
    private static unsafe Span<float> Segment(float* data, in BatchNormGeometry g, int i, int c) =>
        new(data + ((long)i * g.Channels + c) * g.Spatial, g.Spatial);
}
