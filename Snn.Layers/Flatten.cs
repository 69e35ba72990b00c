// Flattens the per-sample dims.
using Snn.Autograd;

namespace Snn.Layers;

/// <summary>[..., C, H, W] → [..., C·H·W]: keeps the first <c>keep</c> dims (2 for time-major [T, N, ...]).</summary>
public sealed class Flatten(int keep = 2) : Module
{
    public override Variable Forward(Variable x) => F.Flatten(x, keep);
}
