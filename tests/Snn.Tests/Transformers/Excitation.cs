// Test helper: wakes a freshly initialised spiking network up, so its tests see real spike traffic.
using Snn.Layers;

namespace Snn.Tests.Transformers;

internal static class Excitation
{
    /// <summary>
    /// Sets every batch norm's β to 1: BN outputs then centre on the LIF threshold and roughly half the neurons
    /// fire, where default init leaves deep layers nearly silent (and a silent layer makes every claim vacuous).
    /// </summary>
    public static void Excite(Module model)
    {
        foreach (var (_, m) in model.Modules())
            if (m is BatchNorm bn) bn.Bias.Data.Span.Fill(1f);
    }
}
