// The Vector512 body of NeuronKernel: 16 neurons per register, the membrane kept in a register across all time steps.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// Runs neurons [start, end) (a multiple of 16 long) of a time-major [T, n] problem. Every line repeats the float
/// operations of <see cref="NeuronReference"/> in the same order, so forward results are bit-identical to it.
/// Spans are checked by <see cref="NeuronKernel"/>; here the loads are unchecked. Forward: step t's input starts at
/// t·inputStride (the outputs' steps are n apart), and inputStride 0 is one step's current repeated at every step;
/// an empty <c>charged</c> is not written (inference), nor an empty <c>spikes</c> (a backward pass recomputing h).
/// A non-empty <c>normalise</c> holds a batch norm's per-position mean, scale and shift ([3, P], position = neuron
/// mod P, P a multiple of the lane count), applied to each input first.
/// </summary>
internal static class NeuronLanes512
{
    /// <remarks>
    /// Four blocks of 16 neurons go through the steps together: one block's step is a chain of dependent operations
    /// (charge, compare, reset: ≈ 26 cycles, 35 with the division), too long for the core to overlap the next
    /// block's chain with it, so one block at a time ran at the chain's latency.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> input, int n, int timeSteps, in NeuronSpec spec,
        Span<float> spikes, Span<float> charged, Span<float> membrane, int start, int end, ReadOnlySpan<float> normalise, int inputStride)
    {
        bool carry = !membrane.IsEmpty, keep = !charged.IsEmpty, fire = !spikes.IsEmpty, repeated = inputStride == 0;
        bool normalised = !normalise.IsEmpty;
        int period = normalise.Length / 3;
        ref float n0 = ref MemoryMarshal.GetReference(normalise);
        ref float m0 = ref MemoryMarshal.GetReference(membrane);
        ref float x0r = ref MemoryMarshal.GetReference(input);
        ref float s0r = ref MemoryMarshal.GetReference(spikes);
        ref float h0r = ref MemoryMarshal.GetReference(charged);
        var vth = Vector512.Create(spec.VThreshold);
        var vReset = Vector512.Create(spec.VReset ?? 0f);
        // Dividing by a power of two and multiplying by its reciprocal round the same exact quotient, so for tau = 2
        // (the usual LIF) the charge's division, the slowest link of each step's chain, becomes a multiply.
        var tau = Vector512.Create(spec.ExactReciprocalTau ? 1f / spec.Tau : spec.Tau);
        var decay = Vector512.Create(spec.Decay);
        NeuronModel model = spec.Model;
        bool decayInput = spec.DecayInput, strict = spec.FireStrict, soft = spec.VReset is null, reciprocal = spec.ExactReciprocalTau;
        int i = start;
        for (; i + 64 <= end; i += 64)
        {
            var (v0, v1, v2, v3) = carry
                ? (Vector512.LoadUnsafe(ref m0, (nuint)i), Vector512.LoadUnsafe(ref m0, (nuint)i + 16),
                   Vector512.LoadUnsafe(ref m0, (nuint)i + 32), Vector512.LoadUnsafe(ref m0, (nuint)i + 48))
                : (vReset, vReset, vReset, vReset);
            var (mean0, scale0, shift0) = normalised ? Normaliser(ref n0, period, i) : default;
            var (mean1, scale1, shift1) = normalised ? Normaliser(ref n0, period, i + 16) : default;
            var (mean2, scale2, shift2) = normalised ? Normaliser(ref n0, period, i + 32) : default;
            var (mean3, scale3, shift3) = normalised ? Normaliser(ref n0, period, i + 48) : default;
            for (int t = 0; t < timeSteps; t++)
            {
                nuint k = (nuint)((long)t * n + i), at = (repeated ? 0 : (nuint)((long)t * inputStride)) + (nuint)i;
                var x0 = Vector512.LoadUnsafe(ref x0r, at);
                var x1 = Vector512.LoadUnsafe(ref x0r, at + 16);
                var x2 = Vector512.LoadUnsafe(ref x0r, at + 32);
                var x3 = Vector512.LoadUnsafe(ref x0r, at + 48);
                if (normalised)
                {
                    x0 = (x0 - mean0) * scale0 + shift0; x1 = (x1 - mean1) * scale1 + shift1;
                    x2 = (x2 - mean2) * scale2 + shift2; x3 = (x3 - mean3) * scale3 + shift3;
                }
                var h0 = Charge(model, decayInput, reciprocal, v0, x0, vReset, tau, decay);
                var h1 = Charge(model, decayInput, reciprocal, v1, x1, vReset, tau, decay);
                var h2 = Charge(model, decayInput, reciprocal, v2, x2, vReset, tau, decay);
                var h3 = Charge(model, decayInput, reciprocal, v3, x3, vReset, tau, decay);
                var s0 = Fire(strict, h0, vth);
                var s1 = Fire(strict, h1, vth);
                var s2 = Fire(strict, h2, vth);
                var s3 = Fire(strict, h3, vth);
                if (fire)
                {
                    s0.StoreUnsafe(ref s0r, k); s1.StoreUnsafe(ref s0r, k + 16);
                    s2.StoreUnsafe(ref s0r, k + 32); s3.StoreUnsafe(ref s0r, k + 48);
                }
                if (keep)
                {
                    h0.StoreUnsafe(ref h0r, k); h1.StoreUnsafe(ref h0r, k + 16);
                    h2.StoreUnsafe(ref h0r, k + 32); h3.StoreUnsafe(ref h0r, k + 48);
                }
                v0 = Reset(soft, h0, s0, vth, vReset);
                v1 = Reset(soft, h1, s1, vth, vReset);
                v2 = Reset(soft, h2, s2, vth, vReset);
                v3 = Reset(soft, h3, s3, vth, vReset);
            }
            if (carry)
            {
                v0.StoreUnsafe(ref m0, (nuint)i); v1.StoreUnsafe(ref m0, (nuint)i + 16);
                v2.StoreUnsafe(ref m0, (nuint)i + 32); v3.StoreUnsafe(ref m0, (nuint)i + 48);
            }
        }
        for (; i < end; i += 16)
        {
            var v = carry ? Vector512.LoadUnsafe(ref m0, (nuint)i) : vReset;
            var (mean, scale, shift) = normalised ? Normaliser(ref n0, period, i) : default;
            for (int t = 0; t < timeSteps; t++)
            {
                nuint k = (nuint)((long)t * n + i);
                var x = Vector512.LoadUnsafe(ref x0r, repeated ? (nuint)i : (nuint)((long)t * inputStride + i));
                if (normalised) x = (x - mean) * scale + shift;
                var h = Charge(model, decayInput, reciprocal, v, x, vReset, tau, decay);
                var s = Fire(strict, h, vth);
                if (fire) s.StoreUnsafe(ref s0r, k);
                if (keep) h.StoreUnsafe(ref h0r, k);
                v = Reset(soft, h, s, vth, vReset);
            }
            if (carry) v.StoreUnsafe(ref m0, (nuint)i);
        }
    }

    /// <summary>The batch norm's (x − mean)·scale + shift for neurons i…i+15: their positions' mean, scale and shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>) Normaliser(ref float normalise, int period, int i)
    {
        var p = (nuint)(i % period);
        return (Vector512.LoadUnsafe(ref normalise, p), Vector512.LoadUnsafe(ref normalise, p + (nuint)period),
            Vector512.LoadUnsafe(ref normalise, p + 2 * (nuint)period));
    }

    /// <summary>
    /// h = f(v, x), as <see cref="NeuronReference"/> rounds it; <paramref name="tau"/> holds 1/tau when
    /// <paramref name="reciprocal"/> (<see cref="NeuronSpec.ExactReciprocalTau"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Charge(NeuronModel model, bool decayInput, bool reciprocal, Vector512<float> v, Vector512<float> x,
        Vector512<float> vReset, Vector512<float> tau, Vector512<float> decay) => model switch
    {
        NeuronModel.If => v + x,
        NeuronModel.Lif when decayInput => v + (reciprocal ? (x - (v - vReset)) * tau : (x - (v - vReset)) / tau),
        NeuronModel.Lif => v - (reciprocal ? (v - vReset) * tau : (v - vReset) / tau) + x,
        _ => decay * v + x,
    };

    /// <summary>s = 1 where h reaches v_th (strictly above it when <paramref name="strict"/>), else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fire(bool strict, Vector512<float> h, Vector512<float> vth) =>
        (strict ? Vector512.GreaterThan(h, vth) : Vector512.GreaterThanOrEqual(h, vth)) & Vector512<float>.One;

    /// <summary>v after the spike: h − s·v_th (soft reset), or v_reset where s = 1 and h elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Reset(bool soft, Vector512<float> h, Vector512<float> s, Vector512<float> vth, Vector512<float> vReset) =>
        soft ? h - s * vth : h * (Vector512<float>.One - s) + vReset * s;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> gradSpikes, ReadOnlySpan<float> charged, int n, int timeSteps,
        in NeuronSpec spec, Span<float> gradInput, int start, int end)
    {
        ref float gs0 = ref MemoryMarshal.GetReference(gradSpikes);
        ref float h0 = ref MemoryMarshal.GetReference(charged);
        ref float gx0 = ref MemoryMarshal.GetReference(gradInput);
        var vth = Vector512.Create(spec.VThreshold);
        var vReset = Vector512.Create(spec.VReset ?? 0f);
        var one = Vector512<float>.One;
        (float dhdxScalar, float dhdvScalar) = NeuronReference.ChargeSlopes(spec);
        var dhdx = Vector512.Create(dhdxScalar);
        var dhdv = Vector512.Create(dhdvScalar);
        var surrogate = new SurrogateLanes(spec.Surrogate);
        bool strict = spec.FireStrict, soft = spec.VReset is null, detach = spec.DetachReset;
        for (int i = start; i < end; i += 16)
        {
            var gv = Vector512<float>.Zero;
            for (int t = timeSteps - 1; t >= 0; t--)
            {
                nuint k = (nuint)((long)t * n + i);
                var h = Vector512.LoadUnsafe(ref h0, k);
                var s = (strict ? Vector512.GreaterThan(h, vth) : Vector512.GreaterThanOrEqual(h, vth)) & one;
                var sg = surrogate.Gradient(h - vth);
                var resetSlope = soft
                    ? (detach ? one : one - vth * sg)
                    : (detach ? one - s : one - s + (vReset - h) * sg);
                var gh = Vector512.LoadUnsafe(ref gs0, k) * sg + gv * resetSlope;
                (gh * dhdx).StoreUnsafe(ref gx0, k);
                gv = gh * dhdv;
            }
        }
    }
}
