// Single-precision matrix multiply used by matmul, linear and convolution: packed, cache-blocked, multi-threaded.
using System.Buffers;
using System.Runtime.CompilerServices;
using static Snn.Kernels.GemmMicroKernel;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn.Kernels;

/// <summary>
/// C = op(A)·op(B) + beta·C, row-major; same contract as <see cref="GemmReference"/> (op(A) [m, k], op(B) [k, n],
/// C [m, n], lda/ldb/ldc are row strides; beta = 0 never reads C). GotoBLAS/BLIS structure: for each
/// KC×NC block of op(B) (packed once) and each MC×KC block of op(A) (packed once), the
/// <see cref="GemmMicroKernel"/> sweeps MR×NR tiles. Threads split C into disjoint row or column ranges and each
/// runs the same serial algorithm, so every element's summation order is fixed and results are bit-identical for
/// any thread count; a deep product with a small C is split along its depth instead, into slices set by k alone
/// (<see cref="MultiplyDepthSlices"/>). Tiny products skip packing. Hot loops are marked AggressiveOptimization: the tiered JIT would
/// otherwise run the first few dozen calls in unoptimised code, several times slower.
/// </summary>
public static unsafe class Gemm
{
    /// <summary>Depth of a packed block: one B strip (KC×NR floats = 32 KB) is reused from L1 across a whole A block.</summary>
    internal const int KC = 256;

    /// <summary>Rows of a packed A block (MC×KC floats = 96 KB), sized to stay in the 1 MB L2.</summary>
    internal const int MC = 96;

    /// <summary>Columns of a packed B block (KC×NC floats = 2 MB), sized for L3.</summary>
    internal const int NC = 2048;

    /// <summary>Below this many multiply-adds packing costs more than it saves.</summary>
    internal const long SmallWork = 16 * 16 * 16;

    /// <summary>
    /// Depth slices of a deep product with a small C (<see cref="MultiplyDepthSlices"/>): 16 share out evenly over 1,
    /// 2, 4, 8 or 16 threads. Taken from k = 16·KC/2 (slices half a packed block deep or more): csnn's classifier
    /// [256, 3136]·[3136, 10] is one.
    /// </summary>
    private const int DepthSlices = 16;

    /// <summary>C at most this large (256 × 256) is small enough to keep <see cref="DepthSlices"/> partial copies.</summary>
    private const long DeepProductArea = 65536;

    /// <summary>A row split gives each thread one chunk per this many rows it gets (at least one, at most four):
    /// packing B again costs about 1/rows of a chunk's arithmetic.</summary>
    private const int RowsPerExtraChunk = 512;

    /// <summary>Each thread gets at least this many multiply-adds; less is not worth a hand-off.</summary>
    private const long MinWorkPerThread = 1 << 18;

    [ThreadStatic] private static float[]? t_packA, t_packB;

    /// <summary>Tests set false to compare the in-place A path with packed A (bit-identical by construction).</summary>
    internal static bool ReadAInPlace = true;

    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        Multiply(transposeA, transposeB, m, n, k, a, lda, b, ldb, beta, c, ldc, Parallelism.Threads);

    /// <summary>As the public overload, on at most <paramref name="threads"/> threads (1 inside an outer parallel loop).</summary>
    internal static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"Gemm: negative size m={m}, n={n}, k={k}.");
        if (m == 0 || n == 0) return;
        CheckMatrix("A", a.Length, transposeA ? k : m, transposeA ? m : k, lda);
        CheckMatrix("B", b.Length, transposeB ? n : k, transposeB ? k : n, ldb);
        CheckMatrix("C", c.Length, m, n, ldc);
        if (k == 0) { ScaleC(m, n, beta, c, ldc); return; }
        if ((long)m * n * k <= SmallWork) { GemmSmall(transposeA, transposeB, m, n, k, a, lda, b, ldb, beta, c, ldc); return; }

        if (UsesDepthSlices(m, n, k))
        {
            MultiplyDepthSlices(transposeA, transposeB, m, n, k, a, lda, b, ldb, beta, c, ldc, threads);
            return;
        }
        fixed (float* pa = a, pb = b, pc = c)
        {
            var job = new Job(transposeA, transposeB, k, pa, lda, pb, ldb, beta, pc, ldc);
            // Split the dimension with more tiles; splitting rows repeats only the cheap B packing per thread.
            bool splitRows = (m + MR - 1) / MR >= (n + NR - 1) / NR;
            int unit = splitRows ? MR : NR;
            int units = ((splitRows ? m : n) + unit - 1) / unit;
            long workPerUnit = (long)unit * (splitRows ? n : m) * k;
            int minUnits = (int)Math.Clamp(MinWorkPerThread / workPerUnit, 1, int.MaxValue);
            // Each chunk packs its own copy of B's blocks, so more chunks cost packing (512³ on two threads scaled
            // 1.38–1.41 with eight chunks per thread, 1.71–1.82 with one): one chunk per thread, unless a row split
            // leaves each chunk so many rows that B's packing is a small share of its work. Then a few per thread,
            // so that a late or slowed thread does not hold up the product: Spikformer's [12544, 64]·[64, 64]
            // input gradients were among the loops whose end its two-thread training step's caller waited at.
            int chunksPerThread = splitRows ? Math.Clamp(m / (threads * RowsPerExtraChunk), 1, 4) : 1;
            int chunks = Parallelism.Chunks(units, minUnits, threads, chunksPerThread);
            if (chunks <= 1) job.Run(0, m, 0, n);
            else RunSplit(job, m, n, splitRows, unit, units, chunks);
        }
    }

    /// <summary>Job over [0, m) × [0, n) with rows (or columns) in <paramref name="chunks"/> runs of whole tiles.
    /// A method of its own so that the lambda's closure is allocated only for products that do split: the batched
    /// attention products call Gemm thousands of times per step.</summary>
    private static void RunSplit(Job job, int m, int n, bool splitRows, int unit, int units, int chunks)
    {
        int total = splitRows ? m : n;
        Parallelism.For(chunks, 1, (t0, t1) =>
        {
            int start = Math.Min(total, (int)((long)units * t0 / chunks) * unit);
            int end = Math.Min(total, (int)((long)units * t1 / chunks) * unit);
            if (splitRows) job.Run(start, end, 0, n); else job.Run(0, m, start, end);
        });
    }

    /// <summary>
    /// A small C over a long depth (a weight gradient, Σ over T·N·L tokens): split C's rows or columns and each thread
    /// gets a few tiles (64 rows are 11 tiles of 6: 6 and 5 on two threads) while packing all of B. Instead the depth
    /// is cut into <see cref="DepthSlices"/> equal slices, each slice's product goes to its own partial C, and the
    /// partials are added in slice order. The slices depend on k alone, so results are the same on any thread count.
    /// </summary>
    private static void MultiplyDepthSlices(bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads)
    {
        int depth = SliceDepth(k), area = m * n;
        float[] partials = ArrayPool<float>.Shared.Rent(DepthSlices * area);
        fixed (float* pa = a, pb = b, pc = c, pp = partials)
        {
            float* aa = pa, bb = pb, cc = pc, parts = pp;
            Action<int, int> slices = (s0, s1) =>
            {
                for (int s = s0; s < s1; s++)
                {
                    int p0 = s * depth, kb = Math.Min(depth, k - p0);
                    // op(A)'s columns p0… and op(B)'s rows p0…: a column offset in a row-major operand, a row offset in a transposed one.
                    new Job(transposeA, transposeB, kb, aa + (transposeA ? (long)p0 * lda : p0), lda,
                        bb + (transposeB ? p0 : (long)p0 * ldb), ldb, 0f, parts + (long)s * area, n).Run(0, m, 0, n);
                }
            };
            Action<int, int> sum = (i0, i1) =>
            {
                for (int i = i0; i < i1; i++)
                {
                    var row = new Span<float>(cc + (long)i * ldc, n);
                    if (beta == 0) new ReadOnlySpan<float>(parts + (long)i * n, n).CopyTo(row);
                    else TP.MultiplyAdd(row, beta, new ReadOnlySpan<float>(parts + (long)i * n, n), row);
                    for (int s = 1; s < DepthSlices; s++)
                        TP.Add(row, new ReadOnlySpan<float>(parts + (long)s * area + (long)i * n, n), row);
                }
            };
            if (threads > 1)
            {
                Parallelism.For(DepthSlices, 1, slices);
                Parallelism.For(m, Math.Max(1, 4096 / n), sum);
            }
            else
            {
                slices(0, DepthSlices);
                sum(0, m);
            }
        }
        ArrayPool<float>.Shared.Return(partials);
    }

    private static bool UsesDepthSlices(int m, int n, int k) => k >= DepthSlices * KC / 2 && (long)m * n <= DeepProductArea;

    private static int SliceDepth(int k) => (k + DepthSlices - 1) / DepthSlices;

    /// <summary>
    /// How <see cref="Multiply"/> (beta 0) sums each element of C: fused multiply-add chains over ascending p, each
    /// from zero over this many of the k products in turn, the chains then added in order. k when one chain covers
    /// the depth (a small product, or k ≤ <see cref="KC"/>); a depth slice when the depth is split
    /// (<see cref="MultiplyDepthSlices"/>); 0 otherwise (later depth blocks add into C inside the micro-kernel).
    /// <see cref="SparseRowsGemm"/> follows it to give the same bits.
    /// </summary>
    internal static int ChainDepth(int m, int n, int k) =>
        (long)m * n * k <= SmallWork || k <= KC ? k : UsesDepthSlices(m, n, k) ? SliceDepth(k) : 0;

    /// <summary>The operands of one product, as pointers so that worker threads can share them.</summary>
    private readonly struct Job(bool transposeA, bool transposeB, int k, float* a, int lda, float* b, int ldb,
        float beta, float* c, int ldc)
    {
        /// <summary>Serial blocked GEMM on C[i0..i1, j0..j1].</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int i0, int i1, int j0, int j1)
        {
            float* packA = ThreadBuffer.Pinned(ref t_packA, MC * KC), packB = ThreadBuffer.Pinned(ref t_packB, KC * NC);
            float* tile = stackalloc float[MR * NR];
            for (int jc = j0; jc < j1; jc += NC)
            {
                int nb = Math.Min(NC, j1 - jc);
                // Equal depth blocks (288 → 144 + 144, not 256 + 32): a thin last block would pay the tile
                // store for little arithmetic.
                int depth = (k + (k + KC - 1) / KC - 1) / ((k + KC - 1) / KC);
                for (int pc = 0; pc < k; pc += depth)
                {
                    int kb = Math.Min(depth, k - pc);
                    // The first depth block applies beta; later ones add to what the first wrote.
                    float blockBeta = pc == 0 ? beta : 1f;
                    GemmPacking.PackB(transposeB, b, ldb, pc, kb, jc, nb, packB);
                    for (int ic = i0; ic < i1; ic += MC)
                    {
                        int mb = Math.Min(MC, i1 - ic);
                        // A row-major op(A) is read in place by full-height tiles (see Compute512Rows); only a
                        // ragged last strip, a transposed A or the Vector256 path packs.
                        bool inPlace = !transposeA && UseVector512 && ReadAInPlace;
                        int packedFrom = inPlace ? mb / MR * MR : 0;
                        if (packedFrom < mb) GemmPacking.PackA(transposeA, a, lda, ic + packedFrom, mb - packedFrom, pc, kb, packA + (long)packedFrom * kb);
                        for (int jr = 0; jr < nb; jr += NR)
                            for (int ir = 0; ir < mb; ir += MR)
                            {
                                // A whole tile goes straight to C; a ragged one through the scratch tile.
                                int rows = Math.Min(MR, mb - ir), cols = Math.Min(NR, nb - jr);
                                bool whole = rows == MR && cols == NR;
                                float* cTile = c + (long)(ic + ir) * ldc + jc + jr;
                                float* dst = whole ? cTile : tile;
                                int ldd = whole ? ldc : NR;
                                float dstBeta = whole ? blockBeta : 0f;
                                if (ir < packedFrom) Compute512Rows(kb, a + (long)(ic + ir) * lda + pc, lda, packB + (long)jr * kb, dst, ldd, dstBeta);
                                else Compute(kb, packA + (long)ir * kb, packB + (long)jr * kb, dst, ldd, dstBeta);
                                if (!whole) Store(tile, rows, cols, blockBeta, cTile, ldc);
                            }
                    }
                }
            }
        }
    }

    /// <summary>C_tile = tile + beta·C_tile over the valid rows × cols; beta = 0 overwrites without reading.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* tile, int rows, int cols, float beta, float* c, int ldc)
    {
        for (int r = 0; r < rows; r++, tile += NR, c += ldc)
        {
            if (beta == 0)
                for (int j = 0; j < cols; j++) c[j] = tile[j];
            else
                for (int j = 0; j < cols; j++) c[j] = tile[j] + beta * c[j];
        }
    }

    /// <summary>Unpacked loops for products too small to amortise packing; one thread, ascending k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GemmSmall(bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float sum = 0;
                for (int p = 0; p < k; p++)
                    sum = MathF.FusedMultiplyAdd(transposeA ? a[p * lda + i] : a[i * lda + p],
                        transposeB ? b[j * ldb + p] : b[p * ldb + j], sum);
                c[i * ldc + j] = beta == 0 ? sum : sum + beta * c[i * ldc + j];
            }
    }

    private static void ScaleC(int m, int n, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0) row.Clear(); else TP.Multiply(row, beta, row);
        }
    }

    private static void CheckMatrix(string name, int length, int rows, int cols, int ld)
    {
        if (ld < Math.Max(1, cols) || (rows > 0 && cols > 0 && (long)(rows - 1) * ld + cols > length))
            throw new ArgumentException($"Gemm: {name} stored as [{rows}, {cols}] with row stride {ld} needs " +
                $"{(long)(rows - 1) * ld + cols} elements (and stride ≥ {cols}), got {length}.");
    }
}
