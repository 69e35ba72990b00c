// Moving between feature maps, tokens and attention heads (time-major throughout).
using Snn.Autograd;

namespace Snn.Layers.Attention;

/// <summary>
/// Legend: T time steps, N samples, D = heads·d features, L = H·W tokens. Transformer blocks work on tokens
/// [T, N, L, D]; attention on heads [T, N, heads, L, d], where head h owns features h·d … h·d + d − 1
/// (the papers' reshape(…, heads, D/heads)).
/// </summary>
public static class TokenLayout
{
    /// <summary>[T, N, D, H, W] → [T, N, H·W, D] (row-major token order, as flatten(3).transpose(-1, -2)).</summary>
    public static Variable FromFeatureMap(Variable x)
    {
        if (x.Data.Rank != 5) throw new ArgumentException($"TokenLayout: expected a feature map [T, N, D, H, W], got {Tensor.ShapeText(x.Data.Shape)}.");
        return F.Transpose(F.Flatten(x, 3), -1, -2);
    }

    /// <summary>[T, N, L, D] → [T, N, heads, L, d].</summary>
    public static Variable SplitHeads(Variable x, int heads)
    {
        var s = x.Data.Shape;
        if (x.Data.Rank != 4 || s[3] % heads != 0)
            throw new ArgumentException($"TokenLayout: tokens {Tensor.ShapeText(s)} must be [T, N, L, D] with D divisible by {heads} heads.");
        return F.Permute(F.Reshape(x, s[0], s[1], s[2], heads, s[3] / heads), 0, 1, 3, 2, 4);
    }

    /// <summary>[T, N, heads, L, d] → [T, N, L, heads·d].</summary>
    public static Variable MergeHeads(Variable x)
    {
        var s = x.Data.Shape;
        return F.Reshape(F.Permute(x, 0, 1, 3, 2, 4), s[0], s[1], s[3], s[2] * s[4]);
    }
}
