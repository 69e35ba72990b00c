// A spiking neuron and the max pooling after it in one pass each way: the full-size spike maps never leave the cache.
namespace Snn.Kernels;

/// <summary>
/// pooled = MaxPool2d(spikes of <see cref="NeuronKernel.ForwardSpikes"/>). A spiking CNN stage otherwise writes T
/// full-size spike maps only for the pool to read them back and keep a quarter of them; in training it also writes h
/// for the neuron's backward, and backward writes the full-size spike gradient and input gradient (then sums the
/// latter over T when the input was one step repeated). Here each group of planes is charged, fired and pooled while
/// its spikes are in the core's cache; training keeps only the pool's argmax, and <see cref="Backward"/> recomputes
/// h from the input. Inference: csnn's peak RSS went from 109 to 74 MB and Spikformer-2-64's from 372 to 337 MB at
/// the same speed. Training, csnn's first stage (traced, 1/2 threads): forward 9.7/9.3 ms as copy, neurons and pool →
/// 4.1/2.4 ms; backward 15.3/14.4 ms as pool, neurons and sum → 13.3/7.4 ms; peak RSS of the step 297 → 175 MB.
/// Every neuron and every plane is independent and each half runs the unfused kernels' own code, so the results
/// are bit-identical to the ops in turn (tested).
/// </summary>
public static unsafe class NeuronPoolKernel
{
    /// <summary>Spikes held per group of planes (T·planes·H·W floats): 64K floats, 256 KB, inside a core's L2.</summary>
    private const int GroupValues = 1 << 16;

    [ThreadStatic] private static float[]? t_spikes, t_grad, t_state;

    /// <param name="input">Currents [T, P·H·W], or [P·H·W] when the same current enters at every step.</param>
    /// <param name="pool">One step's pooling: <c>Batch·Channels</c> = P planes of H×W.</param>
    /// <param name="pooled">[T, P, OH, OW], overwritten.</param>
    /// <param name="membrane">Empty (start at rest) or [P·H·W]: v before the first step, overwritten with v after the last.</param>
    public static void ForwardSpikesPooled(ReadOnlySpan<float> input, int timeSteps, in NeuronSpec spec, in Pool2dGeometry pool,
        Span<float> pooled, Span<float> membrane = default) =>
        Forward(input, timeSteps, spec, pool, pooled, default, membrane);

    /// <summary>
    /// Training's forward: <see cref="ForwardSpikesPooled"/> plus each window's argmax <paramref name="indices"/>
    /// [T, P, OH, OW], as <see cref="MaxPool2dKernel.Forward"/> gives them. Neither the spikes nor h are kept:
    /// <see cref="Backward"/> recomputes them from the input.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, int timeSteps, in NeuronSpec spec, in Pool2dGeometry pool,
        Span<float> pooled, Span<int> indices, Span<float> membrane = default)
    {
        var g = pool;
        Check(input.Length, timeSteps, spec, g, membrane.Length);
        if (pooled.Length != (long)timeSteps * g.OutputLength)
            throw new ArgumentException($"NeuronPoolKernel: pooled has {pooled.Length} values; expected {timeSteps}·{g.OutputLength}.");
        if (!indices.IsEmpty && indices.Length != pooled.Length)
            throw new ArgumentException($"NeuronPoolKernel: indices has {indices.Length} values; expected {pooled.Length}, one per pooled value.");
        var sp = spec;
        long n = g.InputLength;
        int plane = g.Height * g.Width, steps = timeSteps;
        bool repeated = input.Length == n;
        int inputStride = repeated ? 0 : (int)n;   // the neuron kernel reads the input in place
        fixed (float* px = input, py = pooled, pm = membrane)
        fixed (int* pi = indices)
        {
            float* x = px, y = py, m = pm;
            int* ind = pi;
            ForEachGroup(g, steps, (q0, q1) =>
            {
                long first = (long)q0 * plane;
                FireAndPool(x + first, inputStride, q0, q1, steps, sp, g, y, ind, m == null ? null : m + first);
            });
        }
    }

    /// <summary>
    /// Fires planes [q0, q1) of <paramref name="g"/> over T steps in this thread's buffer and pools them into
    /// <paramref name="pooled"/> [T, P, OH, OW] (with each window's argmax in <paramref name="indices"/> unless it
    /// is null). <paramref name="currents"/> points at the group's first neuron of step 0, later steps
    /// <paramref name="inputStride"/> apart (0: the one repeated step); <paramref name="membrane"/> (or null) at its v.
    /// </summary>
    internal static void FireAndPool(float* currents, int inputStride, int q0, int q1, int steps, in NeuronSpec spec,
        in Pool2dGeometry g, float* pooled, int* indices, float* membrane)
    {
        int plane = g.Height * g.Width, planeOut = g.OutHeight * g.OutWidth, count = (q1 - q0) * plane;
        Span<float> rowMax = g.Width <= 4096 ? stackalloc float[g.Width] : new float[g.Width];
        var spikes = ThreadBuffer.Grow(ref t_spikes, steps * count);
        var state = membrane == null ? default : new Span<float>(membrane, count);
        NeuronKernel.ForwardSpikesSerial(new ReadOnlySpan<float>(currents, (steps - 1) * inputStride + count), count, steps, spec,
            spikes, state, inputStride);
        fixed (float* s = spikes)
            for (int t = 0; t < steps; t++)
                for (int q = q0; q < q1; q++)
                {
                    long at = (long)t * count + (long)(q - q0) * plane, to = ((long)t * g.Planes + q) * planeOut;
                    var window = new Span<float>(pooled + to, planeOut);
                    if (indices != null) MaxPool2dKernel.Plane(s, at, spikes.Length, g, window, new Span<int>(indices + to, planeOut));
                    else MaxPool2dKernel.PlaneSpikes(s, at, spikes.Length, g, rowMax, window);
                }
    }

    /// <summary>
    /// ∂L/∂input from ∂L/∂pooled [T, P, OH, OW] and the <paramref name="indices"/> of <see cref="Forward"/>. A group
    /// of planes at a time, in this thread's buffers: h is recomputed from <paramref name="input"/> (starting from
    /// <paramref name="membrane"/>, the v the forward started from: empty or [P·H·W], not written), each pooled
    /// gradient goes to its window's argmax, and the neuron backward runs over them. <paramref name="gradInput"/> is
    /// [T, P·H·W], or, for a repeated input, [P·H·W] = Σ_t ∂L/∂input_t summed as <see cref="SumLeadingKernel"/> sums
    /// a repeated value's gradient. The same values as the neuron's and the pool's backward in turn and that sum,
    /// without their three tensor-sized intermediates (spike gradient, h, per-step input gradient).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> gradPooled, ReadOnlySpan<int> indices, ReadOnlySpan<float> input, int timeSteps,
        in NeuronSpec spec, in Pool2dGeometry pool, ReadOnlySpan<float> membrane, Span<float> gradInput)
    {
        var g = pool;
        Check(input.Length, timeSteps, spec, g, membrane.Length);
        if (gradPooled.Length != (long)timeSteps * g.OutputLength || indices.Length != gradPooled.Length)
            throw new ArgumentException($"NeuronPoolKernel.Backward: gradPooled has {gradPooled.Length} values and indices {indices.Length}; expected {timeSteps}·{g.OutputLength} each.");
        if (gradInput.Length != input.Length)
            throw new ArgumentException($"NeuronPoolKernel.Backward: gradInput has {gradInput.Length} values; expected {input.Length}, as the input.");
        var sp = spec;
        long n = g.InputLength;
        int plane = g.Height * g.Width, planeOut = g.OutHeight * g.OutWidth, steps = timeSteps;
        bool repeated = input.Length == n, carry = !membrane.IsEmpty;
        int inputStride = repeated ? 0 : (int)n;   // the neuron kernel reads the input in place
        fixed (float* pgy = gradPooled, px = input, pm = membrane, pgx = gradInput)
        fixed (int* pi = indices)
        {
            float* gy = pgy, x = px, m = pm, gx = pgx;
            int* ind = pi;
            ForEachGroup(g, steps, (q0, q1) =>
            {
                int count = (q1 - q0) * plane;
                long first = (long)q0 * plane;
                var state = carry ? ThreadBuffer.Grow(ref t_state, count) : default;
                if (carry) new ReadOnlySpan<float>(m + first, count).CopyTo(state);
                // The pool's backward: every pooled gradient added at its window's argmax, planes and windows in order.
                var gradSpikes = ThreadBuffer.Grow(ref t_spikes, steps * count);
                gradSpikes.Clear();
                fixed (float* gs = gradSpikes)
                    for (int t = 0; t < steps; t++)
                        for (int q = q0; q < q1; q++)
                        {
                            long from = ((long)t * g.Planes + q) * planeOut;
                            float* planeGrad = gs + t * count + (q - q0) * plane;
                            for (int o = 0; o < planeOut; o++)
                            {
                                int at = ind[from + o];
                                if ((uint)at >= (uint)plane)
                                    throw new ArgumentException($"NeuronPoolKernel.Backward: index {at} at {from + o} is outside its {g.Height}×{g.Width} plane.");
                                planeGrad[at] += gy[from + o];
                            }
                        }
                var grad = ThreadBuffer.Grow(ref t_grad, steps * count);
                NeuronKernel.RechargeBackwardSerial(Currents(x, inputStride, first, count, steps), gradSpikes, count, steps, sp, state, grad,
                    inputStride);
                fixed (float* gs = grad)
                    if (repeated) SumLeadingKernel.SumSerial(gs, steps, count, gx + first);
                    else
                        for (int t = 0; t < steps; t++)
                            new ReadOnlySpan<float>(gs + (long)t * count, count).CopyTo(new Span<float>(gx + t * n + first, count));
            });
        }
    }

    private static void Check(int inputLength, int timeSteps, in NeuronSpec spec, in Pool2dGeometry g, int membraneLength)
    {
        g.Validate();
        spec.Validate();
        long n = g.InputLength;
        if (timeSteps < 1) throw new ArgumentException($"NeuronPoolKernel: timeSteps must be at least 1, got {timeSteps}.");
        if (inputLength != n && inputLength != timeSteps * n)
            throw new ArgumentException($"NeuronPoolKernel: input has {inputLength} values; expected {timeSteps}·{n} or {n} (one step repeated) for {g}.");
        if (membraneLength != 0 && membraneLength != n)
            throw new ArgumentException($"NeuronPoolKernel: membrane has {membraneLength} values for {n} neurons.");
    }

    /// <summary>body(firstPlane, endPlane) over groups of whole planes of about <see cref="GroupValues"/> values, on all threads.</summary>
    internal static void ForEachGroup(Pool2dGeometry g, int timeSteps, Action<int, int> body)
    {
        int group = Math.Max(1, GroupValues / (timeSteps * g.Height * g.Width));
        Parallelism.For(g.Planes, group, (p0, p1) =>
        {
            for (int q0 = p0; q0 < p1; q0 += group) body(q0, Math.Min(q0 + group, p1));
        });
    }

    /// <summary>
    /// The input of neurons [first, first + count) of every step, steps <paramref name="inputStride"/> apart (0: the
    /// one repeated step), as the neuron kernel reads it in place.
    /// </summary>
    private static ReadOnlySpan<float> Currents(float* input, int inputStride, long first, int count, int steps) =>
        new(input + first, (int)((long)(steps - 1) * inputStride + count));
}
