// The shape every zoo model has: images in, logits per time step out.
using Snn.Autograd;

namespace Snn.Layers.Models;

/// <summary>
/// A classifier over T time steps. <see cref="ForwardTime"/> maps images [N, C, H, W] to per-step outputs
/// [T, N, K]; <see cref="Module.Forward"/> returns their mean over time, the logits [N, K].
/// </summary>
public abstract class SpikingClassifier(Architecture architecture) : Module
{
    public Architecture Architecture { get; } = architecture;

    public int TimeSteps => Architecture.TimeSteps;

    public abstract Variable ForwardTime(Variable images);

    public override Variable Forward(Variable images) => F.Mean(ForwardTime(images), [0]);
}
