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

    /// <summary>A fused kernel's forward into <paramref name="output"/>, from <paramref name="membrane"/> (empty: at rest).</summary>
    public delegate void FusedForward(float[] output, Span<float> membrane);

    /// <summary>
    /// Asserts that <paramref name="fused"/> writes the same bits as the neurons over <paramref name="timeSteps"/>
    /// and then, with a <paramref name="pool"/> over every step's planes, that pool: from rest and from a carried
    /// membrane of <paramref name="neurons"/> values (left the same as well), with some neurons firing and some not.
    /// </summary>
    public static void AssertFiresThenPools(float[] currents, int timeSteps, NeuronSpec spec, int firedLength, int neurons,
        Pool2dGeometry? pool, FusedForward fused)
    {
        float[] start = Enumerable.Range(0, neurons).Select(i => (i % 5) * 0.2f - 0.3f).ToArray();
        foreach (bool carry in new[] { false, true })
        {
            var (wantMembrane, gotMembrane) = ((float[])start.Clone(), (float[])start.Clone());
            var fired = new float[firedLength];
            NeuronKernel.ForwardSpikes(currents, timeSteps, spec, fired, carry ? wantMembrane : default);
            float[] want = fired;
            if (pool is { } all)
            {
                want = new float[all.OutputLength];
                MaxPool2dKernel.ForwardValues(fired, all, want);
            }
            var got = Enumerable.Repeat(7f, want.Length).ToArray();
            fused(got, carry ? gotMembrane : default);
            Assert.Equal(want, got);
            Assert.Equal(wantMembrane, gotMembrane);
            Assert.Contains(1f, got);
            Assert.Contains(0f, fired);
        }
    }
}
