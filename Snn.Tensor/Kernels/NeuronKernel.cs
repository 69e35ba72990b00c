// The fused multi-step neuron: one pass over time per block of neurons, vectorised across neurons, split over threads.
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// Same contract as <see cref="NeuronReference"/> (time-major [T, n]; forward writes spikes and the charged membrane
/// h; backward reads ∂L/∂spikes and h) but each block of 16 neurons (8 without AVX-512) keeps its membrane in a
/// register for all T steps, so the only memory traffic is the inputs and outputs, and no temporaries exist.
/// Forward is bit-identical to the reference. Backward differs only where a surrogate needs exp (Sigmoid, DSpike).
/// Threads get whole blocks and the last partial block always runs on the scalar path, so results do not depend on
/// <see cref="Parallelism.Threads"/>.
/// </summary>
public static class NeuronKernel
{
    /// <summary>Neurons per register on this machine: 16 (AVX-512), 8 (AVX2) or 1 (scalar only).</summary>
    internal static int PreferredLanes =>
        Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 1;

    /// <summary>
    /// input [T, n] → spikes [T, n], charged h [T, n]. <paramref name="membrane"/> [n], when not empty, holds v
    /// before the first step and receives v after the last (state carried between calls); empty = start at rest.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, int timeSteps, in NeuronSpec spec, Span<float> spikes, Span<float> charged, Span<float> membrane = default) =>
        Forward(input, timeSteps, spec, spikes, charged, membrane, PreferredLanes);

    /// <summary>∂L/∂spikes [T, n] and charged h [T, n] → ∂L/∂input [T, n].</summary>
    public static void Backward(ReadOnlySpan<float> gradSpikes, ReadOnlySpan<float> charged, int timeSteps, in NeuronSpec spec, Span<float> gradInput) =>
        Backward(gradSpikes, charged, timeSteps, spec, gradInput, PreferredLanes);

    /// <summary>
    /// Inference: spikes [T, n] only (no h is kept, so no backward). <paramref name="input"/> is [T, n], or [n] when
    /// the same current enters at every step (a repeated, direct-encoded input read without T copies). Spikes and the
    /// carried membrane are bit-identical to <see cref="Forward(ReadOnlySpan{float}, int, in NeuronSpec, Span{float}, Span{float}, Span{float})"/>
    /// on the repeated input.
    /// </summary>
    public static void ForwardSpikes(ReadOnlySpan<float> input, int timeSteps, in NeuronSpec spec, Span<float> spikes, Span<float> membrane = default) =>
        Forward(input, timeSteps, spec, spikes, default, membrane, PreferredLanes);

    internal static unsafe void Forward(ReadOnlySpan<float> input, int timeSteps, in NeuronSpec spec, Span<float> spikes, Span<float> charged, Span<float> membrane, int lanes)
    {
        int n = charged.IsEmpty && timeSteps > 0 && spikes.Length % timeSteps == 0 && input.Length == spikes.Length / timeSteps
            ? input.Length
            : Neurons("Forward", timeSteps, input.Length, spikes.Length, charged.IsEmpty ? spikes.Length : charged.Length);
        if (spikes.Length != (long)n * timeSteps)
            throw new ArgumentException($"NeuronKernel.Forward: spikes has {spikes.Length} values, expected {timeSteps}·{n}.");
        if (!membrane.IsEmpty && membrane.Length != n)
            throw new ArgumentException($"NeuronKernel.Forward: membrane has {membrane.Length} values for {n} neurons.");
        NeuronSpec sp = spec;
        int inputLength = input.Length, length = spikes.Length, chargedLength = charged.Length, stateLength = membrane.Length;
        fixed (float* px = input, ps = spikes, ph = charged, pm = membrane)
        {
            float* x = px, s = ps, h = ph, m = pm;
            SplitBlocks(n, timeSteps, lanes, (start, end) => ForwardRange(new ReadOnlySpan<float>(x, inputLength), n, timeSteps, sp,
                new Span<float>(s, length), new Span<float>(h, chargedLength), new Span<float>(m, stateLength), start, end, lanes));
        }
    }

    /// <summary>
    /// Neurons [start, end) of [T, n] on the calling thread: whole blocks of <paramref name="lanes"/> on the vector
    /// path, the rest on the scalar one (the same values either way). <paramref name="normalise"/>: see
    /// <see cref="ForwardNormalised"/>. <paramref name="inputStride"/>: the distance between steps in
    /// <paramref name="input"/>, 0 when it is one step repeated; by default 0 for an input of n values, else n (the
    /// outputs' layout).
    /// </summary>
    private static void ForwardRange(ReadOnlySpan<float> input, int n, int timeSteps, in NeuronSpec spec, Span<float> spikes, Span<float> charged,
        Span<float> membrane, int start, int end, int lanes, ReadOnlySpan<float> normalise = default, int inputStride = -1)
    {
        if (inputStride < 0) inputStride = input.Length == n ? 0 : n;
        int vectorEnd = VectorEnd(start, end, lanes);
        if (lanes == 16) NeuronLanes512.Forward(input, n, timeSteps, spec, spikes, charged, membrane, start, vectorEnd, normalise, inputStride);
        else if (lanes == 8) NeuronLanes256.Forward(input, n, timeSteps, spec, spikes, charged, membrane, start, vectorEnd, normalise, inputStride);
        ForwardScalar(input, n, timeSteps, spec, spikes, charged, membrane, vectorEnd, end, normalise, inputStride);
    }

    /// <summary>
    /// Training forward of a batch norm and the neurons after it, in one pass that writes spikes [T, n] only:
    /// each input u [T, n] becomes (u − mean)·scale + shift, rounded as <see cref="BatchNormKernel"/> rounds its
    /// output, and charges the neuron. <paramref name="normalise"/> is [3, P]: the mean, scale and shift at each
    /// position p = neuron mod P (P = channels × spatial size, so it divides n). The normalised currents and the
    /// charged h are never stored; <see cref="BackwardNormalised"/> recomputes h from u. Against a batch norm and
    /// <see cref="Forward(ReadOnlySpan{float}, int, in NeuronSpec, Span{float}, Span{float}, Span{float})"/> in turn
    /// this saves writing and re-reading the currents and writing h, three of the five tensor-sized memory streams,
    /// and two tensors per layer of training memory. Spikes are bit-identical to the two in turn.
    /// </summary>
    public static void ForwardNormalised(ReadOnlySpan<float> input, int timeSteps, in NeuronSpec spec, ReadOnlySpan<float> normalise, Span<float> spikes) =>
        ForwardNormalised(input, timeSteps, spec, normalise, spikes, PreferredLanes);

    /// <summary>
    /// ∂L/∂spikes [T, n] and the batch norm's input u [T, n] → ∂L/∂(normalised current) [T, n], the gradient the
    /// batch norm's backward takes. A block of neurons at a time recomputes h from u into <paramref name="gradCurrent"/>
    /// and runs the neuron backward over it in place, while the block is in the core's cache: the same values as
    /// <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, int, in NeuronSpec, Span{float})"/> on a stored h.
    /// </summary>
    public static void BackwardNormalised(ReadOnlySpan<float> gradSpikes, ReadOnlySpan<float> input, int timeSteps, in NeuronSpec spec,
        ReadOnlySpan<float> normalise, Span<float> gradCurrent) =>
        BackwardNormalised(gradSpikes, input, timeSteps, spec, normalise, gradCurrent, PreferredLanes);

    /// <summary>
    /// Values of h per recompute-then-backward block: 256 KB stay in the core's L2 between the two passes. Blocks of
    /// 1024 neurons (one 4 KB page per step, so the prefetcher restarts on every block) ran Spikformer's [4, 200704]
    /// backward in 502–545 µs on two threads, 16384-neuron blocks in 453–488 µs (two paired traced runs each).
    /// </summary>
    private const int RecomputeValues = 65536;

    internal static unsafe void ForwardNormalised(ReadOnlySpan<float> input, int timeSteps, in NeuronSpec spec, ReadOnlySpan<float> normalise,
        Span<float> spikes, int lanes)
    {
        int n = Neurons("ForwardNormalised", timeSteps, input.Length, spikes.Length, input.Length);
        lanes = NormalisedLanes(n, normalise, lanes);
        NeuronSpec sp = spec;
        int length = input.Length, normaliseLength = normalise.Length;
        fixed (float* px = input, ps = spikes, pn = normalise)
        {
            float* x = px, s = ps, nm = pn;
            SplitBlocks(n, timeSteps, lanes, (start, end) => ForwardRange(new ReadOnlySpan<float>(x, length), n, timeSteps, sp,
                new Span<float>(s, length), default, default, start, end, lanes, new ReadOnlySpan<float>(nm, normaliseLength)));
        }
    }

    internal static unsafe void BackwardNormalised(ReadOnlySpan<float> gradSpikes, ReadOnlySpan<float> input, int timeSteps, in NeuronSpec spec,
        ReadOnlySpan<float> normalise, Span<float> gradCurrent, int lanes)
    {
        int n = Neurons("BackwardNormalised", timeSteps, input.Length, gradSpikes.Length, gradCurrent.Length);
        lanes = NormalisedLanes(n, normalise, lanes);
        NeuronSpec sp = spec;
        int length = input.Length, normaliseLength = normalise.Length;
        fixed (float* pgs = gradSpikes, px = input, pgx = gradCurrent, pn = normalise)
        {
            float* gs = pgs, x = px, gx = pgx, nm = pn;
            int block = Math.Max(16, RecomputeValues / timeSteps / 16 * 16);
            SplitBlocks(n, timeSteps, lanes, (start, end) =>
            {
                var gxs = new Span<float>(gx, length);
                for (int b0 = start; b0 < end; b0 += block)
                {
                    int b1 = Math.Min(end, b0 + block);
                    ForwardRange(new ReadOnlySpan<float>(x, length), n, timeSteps, sp, default, gxs, default, b0, b1, lanes,
                        new ReadOnlySpan<float>(nm, normaliseLength));
                    // h is read before ∂x is stored over it, element by element.
                    BackwardRange(new ReadOnlySpan<float>(gs, length), gxs, n, timeSteps, sp, gxs, b0, b1, lanes);
                }
            });
        }
    }

    /// <summary>Checks the [3, P] normalisation and returns the lanes to use: 1 (the scalar path) when a block of
    /// <paramref name="lanes"/> neurons would straddle two periods.</summary>
    private static int NormalisedLanes(int n, ReadOnlySpan<float> normalise, int lanes)
    {
        int period = normalise.Length / 3;
        if (period == 0 || normalise.Length != 3 * period || n % period != 0)
            throw new ArgumentException($"NeuronKernel: the normalisation has {normalise.Length} values; expected [3, P] with P dividing the {n} neurons of a step.");
        return period % lanes == 0 ? lanes : 1;
    }

    /// <summary>
    /// <see cref="ForwardSpikes"/> on the calling thread only, for a caller that already split the work (its input
    /// is [T, n] or [n] repeated, as there, or any steps <paramref name="inputStride"/> apart; lengths are the caller's
    /// to check).
    /// </summary>
    internal static void ForwardSpikesSerial(ReadOnlySpan<float> input, int n, int timeSteps, in NeuronSpec spec, Span<float> spikes, Span<float> membrane,
        int inputStride = -1) =>
        ForwardRange(input, n, timeSteps, spec, spikes, default, membrane, 0, n, PreferredLanes, inputStride: inputStride);

    /// <summary>
    /// Training's backward on the calling thread, for a caller that already split the work and holds a group of n
    /// neurons in its own buffers (<see cref="NeuronPoolKernel"/>): h [T, n] recomputed from <paramref name="input"/>
    /// ([T, n] or [n] repeated) as <see cref="Forward(ReadOnlySpan{float}, int, in NeuronSpec, Span{float}, Span{float}, Span{float})"/>
    /// computes it, starting from <paramref name="membrane"/> (empty, or [n]: overwritten, as there), then
    /// <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, int, in NeuronSpec, Span{float})"/>'s ∂L/∂input
    /// stored over h in <paramref name="chargedThenGradInput"/> [T, n]: the same values as the two kernels on a stored h.
    /// <paramref name="inputStride"/> as in <see cref="ForwardSpikesSerial"/>.
    /// </summary>
    internal static void RechargeBackwardSerial(ReadOnlySpan<float> input, ReadOnlySpan<float> gradSpikes, int n, int timeSteps, in NeuronSpec spec,
        Span<float> membrane, Span<float> chargedThenGradInput, int inputStride = -1)
    {
        ForwardRange(input, n, timeSteps, spec, default, chargedThenGradInput, membrane, 0, n, PreferredLanes, inputStride: inputStride);
        // h is read before ∂x is stored over it, element by element.
        BackwardRange(gradSpikes, chargedThenGradInput, n, timeSteps, spec, chargedThenGradInput, 0, n, PreferredLanes);
    }

    /// <summary>
    /// Inference on neurons [start, end) of <paramref name="currents"/> [T, n], on the calling thread: each current is
    /// read once and replaced by its spike (the kernels read an element's input before they store its spike), for a
    /// caller that produced the currents in this thread's cache (<see cref="SparseLinearNeuronKernel"/>,
    /// <see cref="SpikeConvNeuronKernel"/>).
    /// <paramref name="membrane"/> is empty or [n].
    /// </summary>
    internal static void ForwardSpikesInPlace(Span<float> currents, int n, int timeSteps, in NeuronSpec spec, Span<float> membrane, int start, int end) =>
        ForwardRange(currents, n, timeSteps, spec, currents, default, membrane, start, end, PreferredLanes);

    internal static unsafe void Backward(ReadOnlySpan<float> gradSpikes, ReadOnlySpan<float> charged, int timeSteps, in NeuronSpec spec, Span<float> gradInput, int lanes)
    {
        int n = Neurons("Backward", timeSteps, charged.Length, gradSpikes.Length, gradInput.Length);
        NeuronSpec sp = spec;
        int length = charged.Length;
        fixed (float* pgs = gradSpikes, ph = charged, pgx = gradInput)
        {
            float* gs = pgs, h = ph, gx = pgx;
            SplitBlocks(n, timeSteps, lanes, (start, end) => BackwardRange(new ReadOnlySpan<float>(gs, length), new ReadOnlySpan<float>(h, length),
                n, timeSteps, sp, new Span<float>(gx, length), start, end, lanes));
        }
    }

    /// <summary>Backward over neurons [start, end) on the calling thread, as <see cref="ForwardRange"/> splits them.</summary>
    private static void BackwardRange(ReadOnlySpan<float> gradSpikes, ReadOnlySpan<float> charged, int n, int timeSteps, in NeuronSpec spec,
        Span<float> gradInput, int start, int end, int lanes)
    {
        int vectorEnd = VectorEnd(start, end, lanes);
        if (lanes == 16) NeuronLanes512.Backward(gradSpikes, charged, n, timeSteps, spec, gradInput, start, vectorEnd);
        else if (lanes == 8) NeuronLanes256.Backward(gradSpikes, charged, n, timeSteps, spec, gradInput, start, vectorEnd);
        BackwardScalar(gradSpikes, charged, n, timeSteps, spec, gradInput, vectorEnd, end);
    }

    /// <summary>Hands each thread whole blocks of <paramref name="lanes"/> neurons: body(start, end).</summary>
    private static void SplitBlocks(int n, int timeSteps, int lanes, Action<int, int> body)
    {
        // About 32k neuron-steps per chunk: below that a thread costs more than it saves.
        int blocks = (n + lanes - 1) / lanes;
        int minBlocks = Math.Max(1, 32768 / (lanes * timeSteps));
        Parallelism.For(blocks, minBlocks, (b0, b1) => body(b0 * lanes, Math.Min(b1 * lanes, n)));
    }

    /// <summary>The end of the whole blocks of <paramref name="lanes"/> neurons in [start, end); lanes = 1 (no SIMD):
    /// no vector body, the scalar loop takes every neuron.</summary>
    private static int VectorEnd(int start, int end, int lanes) => lanes == 1 ? start : start + (end - start) / lanes * lanes;

    private static int Neurons(string op, int timeSteps, int length, int length2, int length3)
    {
        if (timeSteps <= 0 || length % timeSteps != 0)
            throw new ArgumentException($"NeuronKernel.{op}: {length} values do not split into {timeSteps} time steps.");
        if (length2 != length || length3 != length)
            throw new ArgumentException($"NeuronKernel.{op}: lengths differ: {length}, {length2}, {length3}.");
        return length / timeSteps;
    }

    /// <summary>The reference loop restricted to neurons [start, end): the tail that does not fill a register.</summary>
    private static void ForwardScalar(ReadOnlySpan<float> input, int n, int timeSteps, in NeuronSpec spec, Span<float> spikes, Span<float> charged,
        Span<float> membrane, int start, int end, ReadOnlySpan<float> normalise, int inputStride)
    {
        float vReset = spec.VReset ?? 0f;
        int period = normalise.Length / 3;
        for (int i = start; i < end; i++)
        {
            float v = membrane.IsEmpty ? vReset : membrane[i];
            for (int t = 0; t < timeSteps; t++)
            {
                int k = t * n + i;
                float x = input[inputStride == 0 ? i : t * inputStride + i];
                if (period > 0)
                {
                    int p = i % period;
                    x = (x - normalise[p]) * normalise[period + p] + normalise[2 * period + p];
                }
                float h = NeuronReference.Charge(spec, v, x, vReset);
                float s = NeuronReference.Fire(spec, h);
                if (!spikes.IsEmpty) spikes[k] = s;
                if (!charged.IsEmpty) charged[k] = h;
                v = NeuronReference.Reset(spec, h, s, vReset);
            }
            if (!membrane.IsEmpty) membrane[i] = v;
        }
    }

    private static void BackwardScalar(ReadOnlySpan<float> gradSpikes, ReadOnlySpan<float> charged, int n, int timeSteps, in NeuronSpec spec, Span<float> gradInput, int start, int end)
    {
        float vReset = spec.VReset ?? 0f;
        (float dhdx, float dhdv) = NeuronReference.ChargeSlopes(spec);
        for (int i = start; i < end; i++)
        {
            float gv = 0f;
            for (int t = timeSteps - 1; t >= 0; t--)
            {
                int k = t * n + i;
                float h = charged[k];
                float sg = spec.Surrogate.Gradient(h - spec.VThreshold);
                float gh = gradSpikes[k] * sg + gv * NeuronReference.ResetSlope(spec, h, NeuronReference.Fire(spec, h), sg, vReset);
                gradInput[k] = gh * dhdx;
                gv = gh * dhdv;
            }
        }
    }
}
