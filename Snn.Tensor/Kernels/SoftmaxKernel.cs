// Softmax and log-softmax over the last dim: max-shifted for stability, rows in parallel, SIMD through TensorPrimitives.
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn.Kernels;

/// <summary>
/// Same formulas as <see cref="SoftmaxReference"/> over x [rows, columns] in float. Subtracting the row max first means
/// exp never overflows and the largest term is exactly 1, so the sum is ≥ 1 and its log is safe. Each row belongs
/// to one thread. The outputs double as the only state backward needs (y, or log y). x and y must not overlap.
/// </summary>
public static class SoftmaxKernel
{
    /// <summary>y [rows, columns] = softmax(x) along each row.</summary>
    public static void Forward(ReadOnlySpan<float> x, int columns, Span<float> y) => Run(x, columns, log: false, y);

    /// <summary>y [rows, columns] = log softmax(x) along each row.</summary>
    public static void LogForward(ReadOnlySpan<float> x, int columns, Span<float> y) => Run(x, columns, log: true, y);

    /// <summary>∂x = y·(∂y − Σ ∂y·y), from the softmax output y.</summary>
    public static unsafe void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> gradY, int columns, Span<float> gradX)
    {
        Check(y.Length, columns, gradY.Length, gradX.Length);
        fixed (float* py = y, pgy = gradY, pgx = gradX)
        {
            float* yp = py, gyp = pgy, gxp = pgx;
            Rows(y.Length / columns, columns, r =>
            {
                Span<float> yr = Row(yp, r, columns), gy = Row(gyp, r, columns), gx = Row(gxp, r, columns);
                TP.Subtract(gy, TP.Dot(gy, yr), gx);
                TP.Multiply(gx, yr, gx);
            });
        }
    }

    /// <summary>∂x = ∂y − exp(log y)·Σ ∂y, from the log-softmax output.</summary>
    public static unsafe void LogBackward(ReadOnlySpan<float> logY, ReadOnlySpan<float> gradY, int columns, Span<float> gradX)
    {
        Check(logY.Length, columns, gradY.Length, gradX.Length);
        fixed (float* py = logY, pgy = gradY, pgx = gradX)
        {
            float* yp = py, gyp = pgy, gxp = pgx;
            Rows(logY.Length / columns, columns, r =>
            {
                Span<float> ly = Row(yp, r, columns), gy = Row(gyp, r, columns), gx = Row(gxp, r, columns);
                TP.Exp(ly, gx);
                TP.MultiplyAdd(gx, -TP.Sum(gy), gy, gx);
            });
        }
    }

    private static unsafe void Run(ReadOnlySpan<float> x, int columns, bool log, Span<float> y)
    {
        Check(x.Length, columns, y.Length, y.Length);
        fixed (float* px = x, py = y)
        {
            float* xp = px, yp = py;
            Rows(x.Length / columns, columns, r =>
            {
                Span<float> xr = Row(xp, r, columns), yr = Row(yp, r, columns);
                float max = TP.Max(xr);
                TP.Subtract(xr, max, yr);
                TP.Exp(yr, yr);
                float sum = TP.Sum(yr);
                if (log)
                {
                    // (x − max) − log Σ, not x − (max + log Σ): the sum max + log Σ would round to the ulp of max.
                    TP.Subtract(xr, max, yr);
                    TP.Subtract(yr, MathF.Log(sum), yr);
                }
                else TP.Divide(yr, sum, yr);
            });
        }
    }

    private static void Rows(int rows, int columns, Action<int> row) =>
        Parallelism.For(rows, Math.Max(1, 8192 / columns), (r0, r1) => { for (int r = r0; r < r1; r++) row(r); });

    private static unsafe Span<float> Row(float* data, int row, int columns) => new(data + (long)row * columns, columns);

    private static void Check(int length, int columns, int length2, int length3)
    {
        if (columns < 1 || length % columns != 0 || length2 != length || length3 != length)
            throw new ArgumentException($"Softmax: lengths {length}, {length2}, {length3} are not equal whole rows of {columns} columns.");
    }
}
