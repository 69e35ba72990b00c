// The plain double-precision softmax and log-softmax that the fast kernel is tested against.
namespace Snn.Kernels;

/// <summary>
/// Over the last dim of [rows, columns], in double:
/// <code>
/// softmax:     y = exp(x − max) / Σ exp(x − max)           ∂x = y·(∂y − Σ ∂y·y)
/// log-softmax: y = x − max − log Σ exp(x − max)            ∂x = ∂y − exp(y)·Σ ∂y
/// </code>
/// </summary>
public static class SoftmaxReference
{
    public static void Forward(ReadOnlySpan<double> x, int columns, bool log, Span<double> y)
    {
        for (int r = 0; r < x.Length / columns; r++)
        {
            var row = x.Slice(r * columns, columns);
            double max = double.NegativeInfinity, sum = 0;
            foreach (double v in row) max = Math.Max(max, v);
            foreach (double v in row) sum += Math.Exp(v - max);
            for (int j = 0; j < columns; j++)
                y[r * columns + j] = log ? row[j] - max - Math.Log(sum) : Math.Exp(row[j] - max) / sum;
        }
    }

    public static void Backward(ReadOnlySpan<double> y, ReadOnlySpan<double> gradY, int columns, bool log, Span<double> gradX)
    {
        for (int r = 0; r < y.Length / columns; r++)
        {
            double dot = 0;
            for (int j = 0; j < columns; j++) dot += log ? gradY[r * columns + j] : gradY[r * columns + j] * y[r * columns + j];
            for (int j = 0; j < columns; j++)
            {
                int k = r * columns + j;
                gradX[k] = log ? gradY[k] - Math.Exp(y[k]) * dot : y[k] * (gradY[k] - dot);
            }
        }
    }
}
