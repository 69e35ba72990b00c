// Sums a contiguous tensor over its leading dims: the gradient of anything repeated over time (RepeatTime, broadcasts).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// x [R, C] (R = the product of the leading dims being reduced) → y [C], y[c] = Σ_r x[r, c] / divisor. Reads x
/// row by row (unit stride) instead of transposing it so each output's R values are adjacent, which is what the
/// general reduction does and what made a [T, N, ...] → [N, ...] gradient cost a strided copy of the whole tensor.
/// Bit-identical to the general path (<see cref="Ops.SumDouble"/>): rows go in blocks of <see cref="RowBlock"/>; in a
/// block each column sums in double into four partials by r mod 4 (rows past the last multiple of 4 into the first),
/// the block's sum is (s0 + s1) + (s2 + s3), and the blocks' sums add in block order. Tall inputs split their row
/// blocks over threads, others their columns; each block sum belongs to one chunk, so results do not depend on the
/// thread count.
/// </summary>
internal static class SumLeadingKernel
{
    /// <summary>Rows per block of the sum (a multiple of 4). A tall input's blocks are what threads share.</summary>
    internal const int RowBlock = 256;

    /// <summary>Columns per window: four double partials of this many (and the column split's running totals) stay in L1.</summary>
    private const int Block = 512;

    /// <summary>Columns per thread split: one cache line of floats, so no line is read by two threads.</summary>
    private const int Line = 16;

    /// <summary>Up to this many columns a tall input splits its rows: its block sums ([blocks, C] doubles) stay small.</summary>
    private const int NarrowColumns = 4096;

    public static unsafe void Sum(ReadOnlySpan<float> x, int rows, double divisor, Span<float> y)
    {
        int columns = y.Length;
        if ((long)rows * columns != x.Length) throw new ArgumentException($"SumLeading: {x.Length} values are not {rows} rows of {columns}.");
        int blocks = (rows + RowBlock - 1) / RowBlock;
        fixed (float* px = x, py = y)
        {
            float* xs = px, ys = py;
            if (blocks > 1 && columns <= NarrowColumns) { SumRowBlocks(xs, rows, columns, blocks, divisor, ys); return; }
            // Split by cache lines of columns, not by whole blocks, so a few columns still use both threads. At most
            // one chunk per thread: every chunk walks all the rows.
            int lines = (columns + Line - 1) / Line;
            Parallelism.For(lines, Math.Max(1, 65536 / Math.Max(1, rows * Line)), chunksPerThread: 1, (l0, l1) =>
                Columns(xs, rows, columns, l0 * Line, Math.Min(columns, l1 * Line), divisor, ys));
        }
    }

    /// <summary>
    /// A tall, narrow x (a bias gradient, [T·N·L, 64..256]): row blocks in parallel, each summing all columns into
    /// its row of a [blocks, C] table, then the table's rows added in order. Split by columns instead, each thread
    /// read part of every row: [12544, 256] took 1.86 ms on two threads against 0.58 ms on one (a paired kernel
    /// harness), and 15 such sums made a two-thread Spikformer step wait. By row blocks: 0.27–0.42 ms on two threads.
    /// </summary>
    private static unsafe void SumRowBlocks(float* xs, int rows, int columns, int blocks, double divisor, float* ys)
    {
        double[] rented = System.Buffers.ArrayPool<double>.Shared.Rent(blocks * columns);
        fixed (double* table = rented)
        {
            double* sums = table;
            Parallelism.For(blocks, Math.Max(1, 65536 / (RowBlock * columns)), (b0, b1) =>
            {
                for (int b = b0; b < b1; b++)
                {
                    int first = b * RowBlock;
                    BlockSums(xs + (long)first * columns, Math.Min(RowBlock, rows - first), rows / 4 * 4 - first, columns, 0, columns, sums + (long)b * columns);
                }
            });
            for (int b = 1; b < blocks; b++)
                for (int c = 0; c < columns; c++) sums[c] += sums[(long)b * columns + c];
            for (int c = 0; c < columns; c++) ys[c] = (float)(divisor == 1 ? sums[c] : sums[c] / divisor);
        }
        System.Buffers.ArrayPool<double>.Shared.Return(rented);
    }

    /// <summary>
    /// <see cref="Sum"/> (divisor 1) on the calling thread, for a caller that already split the work and holds x
    /// [rows, columns] in its own buffer: the same values.
    /// </summary>
    internal static unsafe void SumSerial(float* x, int rows, int columns, float* y) => Columns(x, rows, columns, 0, columns, 1, y);

    /// <summary>y[c] for columns [start, end): each row block's sums (<see cref="BlockSums"/>) added in block order.</summary>
    private static unsafe void Columns(float* xs, int rows, int columns, int start, int end, double divisor, float* ys)
    {
        double* total = stackalloc double[Block], block = stackalloc double[Block];
        for (int c0 = start; c0 < end; c0 += Block)
        {
            int width = Math.Min(Block, end - c0);
            for (int first = 0; first < rows; first += RowBlock)
            {
                BlockSums(xs + (long)first * columns, Math.Min(RowBlock, rows - first), rows / 4 * 4 - first, columns, c0, c0 + width, first == 0 ? total : block);
                if (first > 0) for (int c = 0; c < width; c++) total[c] += block[c];
            }
            for (int c = 0; c < width; c++) ys[c0 + c] = (float)(divisor == 1 ? total[c] : total[c] / divisor);
        }
    }

    /// <summary>
    /// sums[c − start] = (s0 + s1) + (s2 + s3) for columns [start, end) of one row block x [rows, columns], where s_k
    /// sums the rows r ≡ k (mod 4) below <paramref name="full"/> (the input's last multiple of 4 rows, counted from
    /// this block; blocks start at multiples of 4) and s0 also the rows from there on.
    /// </summary>
    private static unsafe void BlockSums(float* xs, int rows, int full, int columns, int start, int end, double* sums)
    {
        int grouped = Math.Min(rows, full);   // a multiple of 4
        if (rows <= FewRows && Vector256.IsHardwareAccelerated) start = FewRowsInRegisters(xs, rows, grouped, columns, start, end, ref sums);
        double* partials = stackalloc double[4 * Block];
        for (int c0 = start; c0 < end; c0 += Block)
        {
            int width = Math.Min(Block, end - c0);
            new Span<double>(partials, 4 * Block).Clear();
            for (int r = 0; r < rows; r++)
                AddWidened(xs + (long)r * columns + c0, partials + (r < grouped ? r & 3 : 0) * Block, width);
            for (int c = 0; c < width; c++)
                sums[c0 - start + c] = (partials[c] + partials[Block + c]) + (partials[2 * Block + c] + partials[3 * Block + c]);
        }
    }

    /// <summary>Up to this many rows (a sum over T steps) the partials of 8 columns at a time stay in registers.</summary>
    private const int FewRows = 8;

    /// <summary>
    /// <see cref="BlockSums"/> for a few rows: the four partials of 8 columns are eight registers, the same sums in
    /// the same order, without clearing and re-reading 16 KB of partials per block of columns. A [4, 6.4M] sum (a
    /// repeated value's gradient over T = 4), one thread: 7.5–7.7 ms by blocks, 1.63–1.65 ms this way. (Down many
    /// rows this order is slower: a strip's loads jump a row at a time, and [12544, 256] took 1.9 ms.) Advances
    /// <paramref name="sums"/> past the columns it did and returns the first it left (fewer than 8 remain).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe int FewRowsInRegisters(float* xs, int rows, int grouped, int columns, int start, int end, ref double* sums)
    {
        int c = start;
        for (; c + 8 <= end; c += 8, sums += 8)
        {
            Vector256<double> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
            float* x = xs + c;
            int r = 0;
            for (; r < grouped; r += 4, x += 4L * columns)
            {
                var (v0, v1, v2, v3) = (Vector256.Load(x), Vector256.Load(x + columns), Vector256.Load(x + 2L * columns), Vector256.Load(x + 3L * columns));
                a0 += Vector256.WidenLower(v0); b0 += Vector256.WidenUpper(v0);
                a1 += Vector256.WidenLower(v1); b1 += Vector256.WidenUpper(v1);
                a2 += Vector256.WidenLower(v2); b2 += Vector256.WidenUpper(v2);
                a3 += Vector256.WidenLower(v3); b3 += Vector256.WidenUpper(v3);
            }
            for (; r < rows; r++, x += columns)
            {
                var v = Vector256.Load(x);
                a0 += Vector256.WidenLower(v); b0 += Vector256.WidenUpper(v);
            }
            ((a0 + a1) + (a2 + a3)).Store(sums);
            ((b0 + b1) + (b2 + b3)).Store(sums + 4);
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
