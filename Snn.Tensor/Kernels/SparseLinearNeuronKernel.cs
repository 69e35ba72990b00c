// Inference's sparse linear product and the spiking neuron after it in one pass: the currents never leave the cache.
namespace Snn.Kernels;

/// <summary>
/// spikes = Neuron(x·w + bias) for inference, where x is mostly zero (spikes) and time-major: [T·M, K], row t·M + r
/// is token r at step t. A transformer's Linear → BN (folded) → LIF otherwise writes the currents [T·M, N] to memory
/// only for the neuron to read them back. Here each group of token rows is multiplied at every step and at once
/// charged and fired while its currents are in the core's cache, the spikes written over them. The product is
/// <see cref="SparseRowsGemm"/>'s row code and the neuron is <see cref="NeuronKernel.ForwardSpikes"/>'s, so the
/// spikes and the carried membrane are bit-identical to the two ops in turn (tested).
/// </summary>
public static unsafe class SparseLinearNeuronKernel
{
    /// <summary>Currents held per group of token rows (T·rows·N floats): 16K floats, 64 KB, inside a core's L2.</summary>
    private const int GroupValues = 1 << 14;

    /// <param name="x">[T·M, K] inputs, time-major.</param>
    /// <param name="w">[K, N]: Wᵀ of the linear layer, row-major.</param>
    /// <param name="bias">Empty, or [N].</param>
    /// <param name="spikes">[T·M, N], overwritten.</param>
    /// <param name="membrane">Empty (start at rest) or [M·N]: v before the first step, overwritten with v after the last.</param>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, int timeSteps, int n, int k,
        in NeuronSpec spec, Span<float> spikes, Span<float> membrane = default)
    {
        spec.Validate();
        if (timeSteps < 1 || n < 1 || k < 1 || x.Length % ((long)timeSteps * k) != 0)
            throw new ArgumentException($"SparseLinearNeuronKernel: x has {x.Length} values, not [T·M, K] for T = {timeSteps}, K = {k}.");
        int m = x.Length / (timeSteps * k);
        if (w.Length != (long)k * n) throw new ArgumentException($"SparseLinearNeuronKernel: w has {w.Length} values for [{k}, {n}].");
        if (!bias.IsEmpty && bias.Length != n) throw new ArgumentException($"SparseLinearNeuronKernel: bias has {bias.Length} values for {n} outputs.");
        if (spikes.Length != (long)timeSteps * m * n)
            throw new ArgumentException($"SparseLinearNeuronKernel: spikes has {spikes.Length} values; expected [{timeSteps}·{m}, {n}].");
        if (!membrane.IsEmpty && membrane.Length != (long)m * n)
            throw new ArgumentException($"SparseLinearNeuronKernel: membrane has {membrane.Length} values for {m}·{n} neurons.");
        int chain = Gemm.ChainDepth(timeSteps * m, n, k);
        if (chain == 0)
            throw new ArgumentException($"SparseLinearNeuronKernel: Gemm sums a depth of {k} over [{timeSteps * m}, {n}] in blocks that add into C; the product cannot give its bits.");
        var sp = spec;
        int steps = timeSteps, group = Math.Max(1, GroupValues / (timeSteps * n));
        int length = spikes.Length, stateLength = membrane.Length;
        fixed (float* px = x, pw = w, pb = bias, py = spikes, pm = membrane)
        {
            float* xp = px, wp = pw, bp = bias.IsEmpty ? null : pb, yp = py, mp = pm;
            Parallelism.For(m, group, (r0, r1) =>
            {
                int* nonzero = SparseRowsGemm.NonzeroScratch(k);
                var all = new Span<float>(yp, length);
                var state = new Span<float>(mp, stateLength);
                for (int g0 = r0; g0 < r1; g0 += group)
                {
                    int g1 = Math.Min(g0 + group, r1);
                    for (int t = 0; t < steps; t++)
                        for (int r = g0; r < g1; r++)
                            SparseRowsGemm.Row(xp + ((long)t * m + r) * k, wp, n, k, chain, nonzero, bp, yp + ((long)t * m + r) * n);
                    NeuronKernel.ForwardSpikesInPlace(all, m * n, steps, sp, state, g0 * n, g1 * n);
                }
            });
        }
    }
}
