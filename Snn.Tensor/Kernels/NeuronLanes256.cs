// The Vector256 body of NeuronKernel for machines without AVX-512: 8 neurons per register, membrane kept in a register.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// Runs neurons [start, end) (a multiple of 8 long) of a time-major [T, n] problem. Every line repeats the float
/// operations of <see cref="NeuronReference"/> in the same order, so forward results are bit-identical to it.
/// Spans are checked by <see cref="NeuronKernel"/>; here the loads are unchecked. Forward: step t's input starts at
/// t·inputStride (the outputs' steps are n apart), and inputStride 0 is one step's current repeated at every step;
/// an empty <c>charged</c> is not written (inference), nor an empty <c>spikes</c> (a backward pass recomputing h).
/// A non-empty <c>normalise</c> holds a batch norm's per-position mean, scale and shift ([3, P], position = neuron
/// mod P, P a multiple of the lane count), applied to each input first.
/// </summary>
internal static class NeuronLanes256
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> input, int n, int timeSteps, in NeuronSpec spec,
        Span<float> spikes, Span<float> charged, Span<float> membrane, int start, int end, ReadOnlySpan<float> normalise, int inputStride)
    {
        bool carry = !membrane.IsEmpty, keep = !charged.IsEmpty, fire = !spikes.IsEmpty, repeated = inputStride == 0;
        bool normalised = !normalise.IsEmpty;
        int period = normalise.Length / 3;
        ref float n0 = ref MemoryMarshal.GetReference(normalise);
        ref float m0 = ref MemoryMarshal.GetReference(membrane);
        ref float x0 = ref MemoryMarshal.GetReference(input);
        ref float s0 = ref MemoryMarshal.GetReference(spikes);
        ref float h0 = ref MemoryMarshal.GetReference(charged);
        var vth = Vector256.Create(spec.VThreshold);
        var vReset = Vector256.Create(spec.VReset ?? 0f);
        var tau = Vector256.Create(spec.Tau);
        var decay = Vector256.Create(spec.Decay);
        var one = Vector256<float>.One;
        NeuronModel model = spec.Model;
        bool decayInput = spec.DecayInput, strict = spec.FireStrict, soft = spec.VReset is null;
        for (int i = start; i < end; i += 8)
        {
            var v = carry ? Vector256.LoadUnsafe(ref m0, (nuint)i) : vReset;
            // The batch norm's (x − mean)·scale + shift of these neurons' channels, as BatchNormKernel rounds it.
            nuint p = normalised ? (nuint)(i % period) : 0;
            var (mean, scale, shift) = normalised
                ? (Vector256.LoadUnsafe(ref n0, p), Vector256.LoadUnsafe(ref n0, p + (nuint)period), Vector256.LoadUnsafe(ref n0, p + 2 * (nuint)period))
                : default;
            for (int t = 0; t < timeSteps; t++)
            {
                nuint k = (nuint)((long)t * n + i);
                var x = Vector256.LoadUnsafe(ref x0, repeated ? (nuint)i : (nuint)((long)t * inputStride + i));
                if (normalised) x = (x - mean) * scale + shift;
                var h = model switch
                {
                    NeuronModel.If => v + x,
                    NeuronModel.Lif when decayInput => v + (x - (v - vReset)) / tau,
                    NeuronModel.Lif => v - (v - vReset) / tau + x,
                    _ => decay * v + x,
                };
                var s = (strict ? Vector256.GreaterThan(h, vth) : Vector256.GreaterThanOrEqual(h, vth)) & one;
                if (fire) s.StoreUnsafe(ref s0, k);
                if (keep) h.StoreUnsafe(ref h0, k);
                v = soft ? h - s * vth : h * (one - s) + vReset * s;
            }
            if (carry) v.StoreUnsafe(ref m0, (nuint)i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> gradSpikes, ReadOnlySpan<float> charged, int n, int timeSteps,
        in NeuronSpec spec, Span<float> gradInput, int start, int end)
    {
        ref float gs0 = ref MemoryMarshal.GetReference(gradSpikes);
        ref float h0 = ref MemoryMarshal.GetReference(charged);
        ref float gx0 = ref MemoryMarshal.GetReference(gradInput);
        var vth = Vector256.Create(spec.VThreshold);
        var vReset = Vector256.Create(spec.VReset ?? 0f);
        var one = Vector256<float>.One;
        (float dhdxScalar, float dhdvScalar) = NeuronReference.ChargeSlopes(spec);
        var dhdx = Vector256.Create(dhdxScalar);
        var dhdv = Vector256.Create(dhdvScalar);
        var surrogate = new SurrogateLanes(spec.Surrogate);
        bool strict = spec.FireStrict, soft = spec.VReset is null, detach = spec.DetachReset;
        for (int i = start; i < end; i += 8)
        {
            var gv = Vector256<float>.Zero;
            for (int t = timeSteps - 1; t >= 0; t--)
            {
                nuint k = (nuint)((long)t * n + i);
                var h = Vector256.LoadUnsafe(ref h0, k);
                var s = (strict ? Vector256.GreaterThan(h, vth) : Vector256.GreaterThanOrEqual(h, vth)) & one;
                var sg = surrogate.Gradient(h - vth);
                var resetSlope = soft
                    ? (detach ? one : one - vth * sg)
                    : (detach ? one - s : one - s + (vReset - h) * sg);
                var gh = Vector256.LoadUnsafe(ref gs0, k) * sg + gv * resetSlope;
                (gh * dhdx).StoreUnsafe(ref gx0, k);
                gv = gh * dhdv;
            }
        }
    }
}
