// The plain double-precision batch norm that the fast kernel is tested against (and differentiated numerically).
namespace Snn.Kernels;

/// <summary>
/// Batch norm over x [N, C, S] in double, written straight from the definition:
/// <code>
/// mean_c = Σ x / M,  var_c = Σ (x − mean)² / M   (M = N·S; biased, used to normalise)
/// y = (x − mean)/√(var + eps)·γ + β
/// running = (1 − momentum)·running + momentum·batch, with the unbiased var·M/(M − 1) for running_var
/// ∂x = γ·invstd/M·(M·∂y − Σ∂y − x̂·Σ∂y·x̂),  ∂γ = Σ ∂y·x̂,  ∂β = Σ ∂y
/// </code>
/// </summary>
public static class BatchNormReference
{
    public static void ForwardTrain(ReadOnlySpan<double> x, ReadOnlySpan<double> gamma, ReadOnlySpan<double> beta, in BatchNormGeometry g,
        double epsilon, double momentum, Span<double> y, Span<double> mean, Span<double> invStd, Span<double> runningMean, Span<double> runningVar)
    {
        int m = g.PerChannel;
        for (int c = 0; c < g.Channels; c++)
        {
            double sum = 0, squares = 0;
            for (int i = 0; i < g.Batch; i++) for (int s = 0; s < g.Spatial; s++) sum += x[(i * g.Channels + c) * g.Spatial + s];
            mean[c] = sum / m;
            for (int i = 0; i < g.Batch; i++) for (int s = 0; s < g.Spatial; s++) squares += Math.Pow(x[(i * g.Channels + c) * g.Spatial + s] - mean[c], 2);
            invStd[c] = 1 / Math.Sqrt(squares / m + epsilon);
            for (int i = 0; i < g.Batch; i++) for (int s = 0; s < g.Spatial; s++)
            {
                int k = (i * g.Channels + c) * g.Spatial + s;
                y[k] = (x[k] - mean[c]) * invStd[c] * gamma[c] + beta[c];
            }
            runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean[c];
            runningVar[c] = (1 - momentum) * runningVar[c] + momentum * squares / (m - 1);
        }
    }

    public static void ForwardEval(ReadOnlySpan<double> x, ReadOnlySpan<double> gamma, ReadOnlySpan<double> beta, ReadOnlySpan<double> runningMean,
        ReadOnlySpan<double> runningVar, in BatchNormGeometry g, double epsilon, Span<double> y)
    {
        for (int k = 0; k < g.Length; k++)
        {
            int c = k / g.Spatial % g.Channels;
            y[k] = (x[k] - runningMean[c]) / Math.Sqrt(runningVar[c] + epsilon) * gamma[c] + beta[c];
        }
    }

    public static void Backward(ReadOnlySpan<double> gradY, ReadOnlySpan<double> x, ReadOnlySpan<double> gamma, ReadOnlySpan<double> mean,
        ReadOnlySpan<double> invStd, in BatchNormGeometry g, Span<double> gradX, Span<double> gradGamma, Span<double> gradBeta)
    {
        int m = g.PerChannel;
        for (int c = 0; c < g.Channels; c++)
        {
            double sumDy = 0, sumDyXhat = 0;
            for (int k = 0; k < g.Length; k++)
                if (k / g.Spatial % g.Channels == c) { sumDy += gradY[k]; sumDyXhat += gradY[k] * (x[k] - mean[c]) * invStd[c]; }
            gradBeta[c] = sumDy;
            gradGamma[c] = sumDyXhat;
            for (int k = 0; k < g.Length; k++)
                if (k / g.Spatial % g.Channels == c)
                    gradX[k] = gamma[c] * invStd[c] / m * (m * gradY[k] - sumDy - (x[k] - mean[c]) * invStd[c] * sumDyXhat);
        }
    }
}
