// Sums a contiguous tensor over its leading dims: the gradient of anything repeated over time (RepeatTime, broadcasts).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// x [R, C] (R = the product of the leading dims being reduced) → y [C], y[c] = Σ_r x[r, c] / divisor. Reads x
/// row by row (unit stride) instead of transposing it so each output's R values are adjacent, which is what the
/// general reduction does and what made a [T, N, ...] → [N, ...] gradient cost a strided copy of the whole tensor.
/// Bit-identical to the general path (<see cref="Ops.SumDouble"/>): each column sums in double into four partials
/// by r mod 4, rows past the last multiple of 4 into the first, then (s0 + s1) + (s2 + s3). Columns are split
/// over threads; each column belongs to one chunk, so results do not depend on the thread count.
/// </summary>
internal static class SumLeadingKernel
{
    /// <summary>Columns per block: four double partials of this many stay in L1.</summary>
    private const int Block = 512;

    /// <summary>Columns per thread split: one cache line of floats, so no line is read by two threads.</summary>
    private const int Line = 16;

    public static unsafe void Sum(ReadOnlySpan<float> x, int rows, double divisor, Span<float> y)
    {
        int columns = y.Length;
        if ((long)rows * columns != x.Length) throw new ArgumentException($"SumLeading: {x.Length} values are not {rows} rows of {columns}.");
        fixed (float* px = x, py = y)
        {
            float* xs = px, ys = py;
            // Split by cache lines of columns, not by whole blocks: a bias gradient is tall and narrow ([T·N·L, 64..256],
            // one block), and a block split left it on one thread, 1.1% of a two-thread Spikformer step. At most one
            // chunk per thread: every chunk walks all the rows, and four per thread made [12544, 256] slower on two
            // threads than on one (1.26–1.58 ms against 0.75–1.05: four times the TLB misses per thread).
            int lines = (columns + Line - 1) / Line;
            Parallelism.For(lines, Math.Max(1, 65536 / Math.Max(1, rows * Line)), chunksPerThread: 1, (l0, l1) =>
                Columns(xs, rows, columns, l0 * Line, Math.Min(columns, l1 * Line), divisor, ys));
        }
    }

    /// <summary>
    /// <see cref="Sum"/> (divisor 1) on the calling thread, for a caller that already split the work and holds x
    /// [rows, columns] in its own buffer: the same values.
    /// </summary>
    internal static unsafe void SumSerial(float* x, int rows, int columns, float* y) => Columns(x, rows, columns, 0, columns, 1, y);

    /// <summary>Up to this many rows (a sum over T steps) the partials of 8 columns at a time stay in registers.</summary>
    private const int FewRows = 8;

    /// <summary>y[c] for columns [start, end).</summary>
    private static unsafe void Columns(float* xs, int rows, int columns, int start, int end, double divisor, float* ys)
    {
        if (rows <= FewRows && Vector256.IsHardwareAccelerated) start = ColumnsInRegisters(xs, rows, columns, start, end, divisor, ys);
        if (start >= end) return;
        double* partials = stackalloc double[4 * Block];
        for (int c0 = start; c0 < end; c0 += Block)
        {
            int width = Math.Min(Block, end - c0);
            new Span<double>(partials, 4 * Block).Clear();
            int full = rows / 4 * 4;
            for (int r = 0; r < rows; r++)
                AddWidened(xs + (long)r * columns + c0, partials + (r < full ? r & 3 : 0) * Block, width);
            for (int c = 0; c < width; c++)
            {
                double s = (partials[c] + partials[Block + c]) + (partials[2 * Block + c] + partials[3 * Block + c]);
                ys[c0 + c] = (float)(divisor == 1 ? s : s / divisor);
            }
        }
    }

    /// <summary>
    /// <see cref="Columns"/> for a few rows: the four partials of 8 columns are eight registers, the same sums in the
    /// same order, without clearing and re-reading 16 KB of partials per block of columns. A [4, 6.4M] sum (a
    /// repeated value's gradient over T = 4), one thread: 7.5–7.7 ms by blocks, 1.63–1.65 ms this way. Returns the
    /// first column it left (fewer than 8 remain) for the blocks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe int ColumnsInRegisters(float* xs, int rows, int columns, int start, int end, double divisor, float* ys)
    {
        int full = rows / 4 * 4, c = start;
        for (; c + 8 <= end; c += 8)
        {
            Vector256<double> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
            for (int r = 0; r < rows; r++)
            {
                var v = Vector256.Load(xs + (long)r * columns + c);
                var (low, high) = (Vector256.WidenLower(v), Vector256.WidenUpper(v));
                switch (r < full ? r & 3 : 0)
                {
                    case 0: a0 += low; b0 += high; break;
                    case 1: a1 += low; b1 += high; break;
                    case 2: a2 += low; b2 += high; break;
                    default: a3 += low; b3 += high; break;
                }
            }
            Vector256<double> sumLow = (a0 + a1) + (a2 + a3), sumHigh = (b0 + b1) + (b2 + b3);
            if (divisor != 1) { sumLow /= Vector256.Create(divisor); sumHigh /= Vector256.Create(divisor); }
            Vector256.Narrow(sumLow, sumHigh).Store(ys + c);
        }
        return c;
    }

    /// <summary>acc[i] += (double)src[i] for i &lt; count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AddWidened(float* src, double* acc, int count)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= count; i += 8)
            {
                var v = Vector256.Load(src + i);
                (Vector256.Load(acc + i) + Vector256.WidenLower(v)).Store(acc + i);
                (Vector256.Load(acc + i + 4) + Vector256.WidenUpper(v)).Store(acc + i + 4);
            }
        for (; i < count; i++) acc[i] += src[i];
    }
}
