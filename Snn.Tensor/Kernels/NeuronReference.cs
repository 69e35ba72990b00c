// The plain, one-neuron-at-a-time multi-step neuron: the definition every fast neuron kernel is tested against.
namespace Snn.Kernels;

/// <summary>
/// Scalar reference for <see cref="NeuronSpec"/> dynamics over [T, n] (time-major). Slow and obvious on purpose.
/// Backward walks time in reverse carrying g_v = ∂L/∂v_t:
/// <code>
/// g_h = g_s·σ'(h − v_th) + g_v·∂v/∂h        ∂v/∂h: hard+detach (1−s); hard (1−s) + (v_reset − h)·σ'; soft+detach 1; soft 1 − v_th·σ'
/// g_x = g_h·∂h/∂x                           LIF with decay_input: 1/tau; otherwise 1
/// g_v(t−1) = g_h·∂h/∂v                       LIF: 1 − 1/tau; IF: 1; DecayLIF: decay
/// </code>
/// </summary>
public static class NeuronReference
{
    /// <summary>Membrane [n], when given, is v before the first step (in) and after the last (out); empty = at rest.</summary>
    public static void Forward(ReadOnlySpan<float> input, int timeSteps, in NeuronSpec spec, Span<float> spikes, Span<float> charged, Span<float> membrane = default)
    {
        int n = input.Length / timeSteps;
        float vReset = spec.VReset ?? 0f;
        for (int i = 0; i < n; i++)
        {
            float v = membrane.IsEmpty ? vReset : membrane[i];
            for (int t = 0; t < timeSteps; t++)
            {
                int k = t * n + i;
                float h = Charge(spec, v, input[k], vReset);
                float s = Fire(spec, h);
                spikes[k] = s;
                charged[k] = h;
                v = Reset(spec, h, s, vReset);
            }
            if (!membrane.IsEmpty) membrane[i] = v;
        }
    }

    public static void Backward(ReadOnlySpan<float> gradSpikes, ReadOnlySpan<float> charged, int timeSteps, in NeuronSpec spec, Span<float> gradInput)
    {
        int n = charged.Length / timeSteps;
        float vReset = spec.VReset ?? 0f;
        (float dhdx, float dhdv) = ChargeSlopes(spec);
        for (int i = 0; i < n; i++)
        {
            float gv = 0f;
            for (int t = timeSteps - 1; t >= 0; t--)
            {
                int k = t * n + i;
                float h = charged[k];
                float s = Fire(spec, h);
                float sg = spec.Surrogate.Gradient(h - spec.VThreshold);
                float gh = gradSpikes[k] * sg + gv * ResetSlope(spec, h, s, sg, vReset);
                gradInput[k] = gh * dhdx;
                gv = gh * dhdv;
            }
        }
    }

    internal static float Charge(in NeuronSpec spec, float v, float x, float vReset) => spec.Model switch
    {
        NeuronModel.If => v + x,
        NeuronModel.Lif when spec.DecayInput => v + (x - (v - vReset)) / spec.Tau,
        NeuronModel.Lif => v - (v - vReset) / spec.Tau + x,
        NeuronModel.DecayLif => spec.Decay * v + x,
        _ => throw new InvalidOperationException($"Unknown neuron model {spec.Model}."),
    };

    internal static float Fire(in NeuronSpec spec, float h) =>
        (spec.FireStrict ? h > spec.VThreshold : h >= spec.VThreshold) ? 1f : 0f;

    internal static float Reset(in NeuronSpec spec, float h, float s, float vReset) =>
        spec.VReset is null ? h - s * spec.VThreshold : h * (1 - s) + vReset * s;

    /// <summary>(∂h/∂x, ∂h/∂v_{t−1}) of the charge equation; constants for every model.</summary>
    internal static (float dhdx, float dhdv) ChargeSlopes(in NeuronSpec spec) => spec.Model switch
    {
        NeuronModel.If => (1f, 1f),
        NeuronModel.Lif => (spec.DecayInput ? 1f / spec.Tau : 1f, 1f - 1f / spec.Tau),
        NeuronModel.DecayLif => (1f, spec.Decay),
        _ => throw new InvalidOperationException($"Unknown neuron model {spec.Model}."),
    };

    /// <summary>∂v_t/∂h_t through the reset; when the reset is detached the spike counts as a constant.</summary>
    internal static float ResetSlope(in NeuronSpec spec, float h, float s, float sg, float vReset)
    {
        if (spec.VReset is null) return spec.DetachReset ? 1f : 1f - spec.VThreshold * sg;
        return spec.DetachReset ? 1f - s : 1f - s + (vReset - h) * sg;
    }
}
