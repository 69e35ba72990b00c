// The shared-memory GEMM kernel: each group stages tile×tile blocks of A and B once and reuses every value tile times.
using ILGPU;

namespace Snn.Gpu.Kernels;

/// <summary>
/// c = op(a)·op(b) + beta·c with a [tile, tile] group per [tile, tile] block of c; grid (⌈N/tile⌉, ⌈M/tile⌉, B).
/// The tile is the group's width, so one kernel serves 16×16 groups on a GPU and 4×4 on the CPU simulator; dynamic
/// shared memory holds 2·tile² floats. Products are summed in the same order as <see cref="GemmNaiveKernel"/> (the
/// zero padding adds exact zeros), so both kernels agree bit for bit.
/// </summary>
internal static class GemmTiledKernel
{
    public static void Kernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmArguments g)
    {
        int tile = Group.DimX;
        int tx = Group.IdxX, ty = Group.IdxY;
        int col = Grid.IdxX * tile + tx, row = Grid.IdxY * tile + ty, batch = Grid.IdxZ;
        // No early return for threads outside c: every thread must reach every barrier and stage its padding zero.
        bool inside = row < g.M && col < g.N;

        var shared = SharedMemory.GetDynamic<float>();
        var aTile = shared.SubView(0, tile * tile);
        var bTile = shared.SubView(tile * tile, tile * tile);
        float sum = 0f;
        for (int k0 = 0; k0 < g.K; k0 += tile)
        {
            int ak = k0 + tx, bk = k0 + ty;
            aTile[ty * tile + tx] = row < g.M && ak < g.K ? g.A(a, batch, row, ak) : 0f;
            bTile[ty * tile + tx] = bk < g.K && col < g.N ? g.B(b, batch, bk, col) : 0f;
            // Wait until the whole group has staged its elements before anyone reads the tiles.
            Group.Barrier();
            for (int p = 0; p < tile; p++)
                sum += aTile[ty * tile + p] * bTile[p * tile + tx];
            // Wait until everyone has finished reading before the next step overwrites the tiles.
            Group.Barrier();
        }
        if (inside)
        {
            int i = (batch * g.M + row) * g.N + col;
            c[i] = g.Store(sum, c[i]);
        }
    }
}
