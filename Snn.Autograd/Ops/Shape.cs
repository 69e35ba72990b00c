// Reshape, permute, concat and friends: they move elements without changing values, so gradients move back.
namespace Snn.Autograd;

public static partial class F
{
    public static Variable Reshape(Variable x, params int[] shape)
    {
        var original = x.Data.ShapeArray();
        return Variable.FromOp(x.Data.Reshape(shape), [x], gy => x.AccumulateGrad(gy.Reshape(original), owned: false));
    }

    /// <summary>[d0, d1, …] → [d0, d1·…]: flattens everything after the first <paramref name="keep"/> dims.</summary>
    public static Variable Flatten(Variable x, int keep = 1)
    {
        var shape = x.Data.ShapeArray();
        return Reshape(x, [.. shape[..keep], -1]);
    }

    /// <summary>Reorders dims (result dim i = input dim order[i]); returns a contiguous tensor.</summary>
    public static Variable Permute(Variable x, params int[] order)
    {
        var inverse = new int[order.Length];
        for (int i = 0; i < order.Length; i++) inverse[x.Data.NormalizeDim(order[i])] = i;
        return Variable.FromOp(x.Data.Permute(order).Contiguous(), [x], gy => x.AccumulateGrad(gy.Permute(inverse).Contiguous(), owned: false));
    }

    public static Variable Transpose(Variable x, int dim0, int dim1)
    {
        var order = Enumerable.Range(0, x.Data.Rank).ToArray();
        (order[x.Data.NormalizeDim(dim0)], order[x.Data.NormalizeDim(dim1)]) = (order[x.Data.NormalizeDim(dim1)], order[x.Data.NormalizeDim(dim0)]);
        return Permute(x, order);
    }

    /// <summary>Concatenation along <paramref name="dim"/>; each input gets its slice of the gradient.</summary>
    public static Variable Concat(int dim, params Variable[] parts)
    {
        var y = Ops.Concat(dim, parts.Select(p => p.Data).ToArray());
        int d = y.NormalizeDim(dim);
        return Variable.FromOp(y, parts, gy =>
        {
            int at = 0;
            var moved = gy.Transpose(0, d);
            foreach (var p in parts)
            {
                int len = p.Data.Shape[d];
                if (p.RequiresGrad) p.AccumulateGrad(moved.Slice(at, len).Transpose(0, d).Contiguous(), owned: false);
                at += len;
            }
        });
    }

    /// <summary>Stacks along a new leading-or-inner dim.</summary>
    public static Variable Stack(int dim, params Variable[] parts)
    {
        int rank = parts[0].Data.Rank;
        int d = dim < 0 ? dim + rank + 1 : dim;
        var unsqueezed = parts.Select(p =>
        {
            var s = p.Data.ShapeArray().ToList();
            s.Insert(d, 1);
            return Reshape(p, s.ToArray());
        }).ToArray();
        return Concat(d, unsqueezed);
    }
}
