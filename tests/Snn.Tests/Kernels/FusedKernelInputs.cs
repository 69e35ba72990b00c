// Inputs shared by the tests of the fused neuron kernels: neuron kinds, 20% spikes, weights that make some of them fire.
using Snn.Kernels;

namespace Snn.Tests.Kernels;

internal static class FusedKernelInputs
{
    public static readonly NeuronSpec[] Specs =
        [NeuronSpec.Lif(tau: 2f), NeuronSpec.If(vReset: null), NeuronSpec.DecayLif(decay: 0.25f) with { FireStrict = true }];

    public static float[] Spikes(int length, Random random) => Enumerable.Range(0, length).Select(_ => random.Next(5) == 0 ? 1f : 0f).ToArray();

    /// <summary>
    /// <paramref name="length"/> weights, <paramref name="fanIn"/> per output, whose currents on 20% spikes spread
    /// around the threshold, so some neurons fire and some do not.
    /// </summary>
    public static float[] Weights(int length, int fanIn, Random random) =>
        Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2 - 0.8) * 2.5 / Math.Sqrt(fanIn))).ToArray();
}
