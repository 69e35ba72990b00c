// Joining tensors: concatenate along an existing dim, or stack along a new one.
namespace Snn;

public static partial class Ops
{
    /// <summary>Concatenates along <paramref name="dim"/>; all other dims must agree.</summary>
    public static Tensor Concat(int dim, params Tensor[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException("Concat: no tensors given.");
        var first = parts[0];
        int d = first.NormalizeDim(dim);
        int total = 0;
        foreach (var p in parts)
        {
            bool ok = p.Rank == first.Rank;
            for (int i = 0; ok && i < p.Rank; i++) ok = i == d || p.Shape[i] == first.Shape[i];
            if (!ok) throw new ArgumentException($"Concat: shape {Tensor.ShapeText(p.Shape)} does not match {Tensor.ShapeText(first.Shape)} outside dim {d}.");
            total += p.Shape[d];
        }
        var shape = first.ShapeArray();
        shape[d] = total;
        var y = Tensor.Zeros(shape);
        int outer = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        int innerOut = y.Length / Math.Max(outer, 1);
        int at = 0;
        foreach (var p in parts)
        {
            var src = p.Contiguous().Span;
            int innerP = p.Length / Math.Max(outer, 1);
            for (int o = 0; o < outer; o++) src.Slice(o * innerP, innerP).CopyTo(y.Span.Slice(o * innerOut + at, innerP));
            at += innerP;
        }
        return y;
    }

    /// <summary>Stacks equal-shaped tensors along a new dim <paramref name="dim"/>.</summary>
    public static Tensor Stack(int dim, params Tensor[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException("Stack: no tensors given.");
        int rank = parts[0].Rank;
        int d = dim < 0 ? dim + rank + 1 : dim;
        if (d < 0 || d > rank) throw new ArgumentOutOfRangeException(nameof(dim), $"Stack: dim {dim} out of range for rank {rank}.");
        var unsqueezed = parts.Select(p =>
        {
            if (!p.SameShape(parts[0])) throw new ArgumentException($"Stack: shape {Tensor.ShapeText(p.Shape)} differs from {Tensor.ShapeText(parts[0].Shape)}.");
            var s = p.ShapeArray().ToList();
            s.Insert(d, 1);
            return p.Reshape(s.ToArray());
        }).ToArray();
        return Concat(d, unsqueezed);
    }
}
