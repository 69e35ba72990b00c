// Batch norm over [N, C, spatial]: statistics in double, channels in parallel, the fused backward formula.
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn.Kernels;

/// <summary>
/// Same formulas as <see cref="BatchNormReference"/> with float data. Sums run in double (see <see cref="DoubleSums"/>)
/// because a channel can hold millions of values; y is computed as (x − mean)·scale + β rather than x·scale + shift,
/// which would lose the low bits of x when |mean| ≫ std. Each channel belongs to one thread (for [N, C] rows,
/// <see cref="BatchNormRowsKernel"/>: fixed row blocks): results do not depend on <see cref="Parallelism.Threads"/>.
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
        if (g.PerChannel < 2) throw new ArgumentException($"BatchNorm.ForwardTrain: needs more than one value per channel, got {g}.");
        fixed (float* px = input, py = output, pg = gamma, pb = beta, pm = savedMean, pi = savedInvStd, prm = runningMean, prv = runningVar)
        {
            float* x = px, y = py, gm = pg, bt = pb, mean = pm, inv = pi, rm = prm, rv = prv;
            if (g.Spatial == 1)
            {
                BatchNormRowsKernel.ForwardTrain(x, gm, bt, g.Batch, g.Channels, epsilon, momentum, y, mean, inv, rm, rv);
                return;
            }
            Parallelism.For(g.Channels, Math.Max(1, 16384 / g.PerChannel), (c0, c1) =>
            {
                for (int c = c0; c < c1; c++)
                {
                    double sum = 0, squares = 0;
                    for (int i = 0; i < g.Batch; i++) sum += DoubleSums.Sum(Segment(x, g, i, c));
                    double mu = sum / g.PerChannel;
                    for (int i = 0; i < g.Batch; i++) squares += DoubleSums.SumSquaredDeviations(Segment(x, g, i, c), mu);
                    double invStd = 1 / Math.Sqrt(squares / g.PerChannel + epsilon);
                    // x − (float)mean is exact for x near the mean; the shift puts back what rounding the mean lost.
                    float meanF = (float)mu;
                    double scale = invStd * gm[c];
                    for (int i = 0; i < g.Batch; i++)
                        Normalise(Segment(x, g, i, c), meanF, (float)scale, (float)(bt[c] + (meanF - mu) * scale), Segment(y, g, i, c));
                    (mean[c], inv[c]) = (meanF, (float)invStd);
                    rm[c] = (float)((1 - momentum) * (double)rm[c] + momentum * mu);
                    rv[c] = (float)((1 - momentum) * (double)rv[c] + momentum * squares / (g.PerChannel - 1));
                }
            });
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
            Parallelism.For(g.Batch * g.Channels, Math.Max(1, 16384 / g.Spatial), (s0, s1) =>
            {
                for (int seg = s0; seg < s1; seg++)
                {
                    int i = seg / g.Channels, c = seg % g.Channels;
                    Normalise(Segment(x, g, i, c), rm[c], sc[c], bt[c], Segment(y, g, i, c));
                }
            });
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
                BatchNormRowsKernel.Backward(dy, x, gm, mean, inv, g.Batch, g.Channels, dx, dg, db);
                return;
            }
            Parallelism.For(g.Channels, Math.Max(1, 16384 / g.PerChannel), (c0, c1) =>
            {
                for (int c = c0; c < c1; c++)
                {
                    double sumDy = 0, sumDyX = 0;
                    for (int i = 0; i < g.Batch; i++)
                    {
                        sumDy += DoubleSums.Sum(Segment(dy, g, i, c));
                        sumDyX += DoubleSums.Dot(Segment(dy, g, i, c), Segment(x, g, i, c));
                    }
                    // Σ∂y·x̂ = invstd·(Σ∂y·x − mean·Σ∂y): one pass over x instead of two; in double the difference is safe.
                    double invStd = inv[c], sumDyXhat = invStd * (sumDyX - mean[c] * sumDy);
                    (db[c], dg[c]) = ((float)sumDy, (float)sumDyXhat);
                    // ∂x = a·∂y + b·(x − mean) + offset, the formula above expanded with x̂ = (x − mean)·invstd.
                    double a = gm[c] * invStd, m = g.PerChannel;
                    float b = (float)(-a * invStd * sumDyXhat / m), offset = (float)(-a * sumDy / m);
                    for (int i = 0; i < g.Batch; i++)
                    {
                        var dxs = Segment(dx, g, i, c);
                        TP.Subtract(Segment(x, g, i, c), mean[c], dxs);
                        TP.Multiply(dxs, b, dxs);
                        TP.Add(dxs, offset, dxs);
                        TP.MultiplyAdd(Segment(dy, g, i, c), (float)a, dxs, dxs);
                    }
                }
            });
        }
    }

    /// <summary>y = (x − mean)·scale + shift over one [S] segment.</summary>
    private static void Normalise(ReadOnlySpan<float> x, float mean, float scale, float shift, Span<float> y)
    {
        TP.Subtract(x, mean, y);
        TP.Multiply(y, scale, y);
        TP.Add(y, shift, y);
    }

    /// <summary>The S contiguous values of sample i, channel c.</summary>
    private static unsafe Span<float> Segment(float* data, in BatchNormGeometry g, int i, int c) =>
        new(data + ((long)i * g.Channels + c) * g.Spatial, g.Spatial);
}
