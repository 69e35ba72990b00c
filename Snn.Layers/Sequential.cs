// Runs modules one after another.
using Snn.Autograd;

namespace Snn.Layers;

/// <summary>A chain of modules named "0", "1", … (as PyTorch's nn.Sequential names them).</summary>
public sealed class Sequential : Module
{
    private readonly Module[] _layers;

    public Sequential(params Module[] layers)
    {
        _layers = layers;
        for (int i = 0; i < layers.Length; i++) Child(i.ToString(System.Globalization.CultureInfo.InvariantCulture), layers[i]);
    }

    public override Variable Forward(Variable x)
    {
        foreach (var layer in _layers) x = layer.Forward(x);
        return x;
    }
}
