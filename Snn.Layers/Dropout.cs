// Dropout with a seeded mask.
using Snn.Autograd;

namespace Snn.Layers;

/// <summary>
/// In training, zeroes each element with probability p and scales survivors by 1/(1−p); identity in eval.
/// With <paramref name="shareOverTime"/> one mask is drawn per sample and reused at every time step
/// (SpikingJelly's MultiStepDropout), so a neuron is either present or absent for the whole sequence.
/// </summary>
public sealed class Dropout(float p, bool shareOverTime = true, ulong seed = 1) : Module
{
    private readonly Rng _rng = new(seed);

    public override Variable Forward(Variable x)
    {
        if (!Training || p == 0f) return x;
        if (!(p > 0 && p < 1)) throw new ArgumentException($"Dropout: p must be in [0, 1), got {p}.");
        var maskShape = shareOverTime && x.Data.Rank > 1 ? x.Data.ShapeArray()[1..] : x.Data.ShapeArray();
        var mask = Tensor.Zeros(maskShape);
        var m = mask.Span;
        float keep = 1f / (1f - p);
        for (int i = 0; i < m.Length; i++) m[i] = _rng.NextDouble() < p ? 0f : keep;
        return F.Multiply(x, Variable.Constant(mask));
    }
}
