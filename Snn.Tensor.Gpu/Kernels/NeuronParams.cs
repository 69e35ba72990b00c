// NeuronSpec as a kernel can take it, plus the charge, fire, reset and surrogate equations evaluated on the device.
using Snn.Kernels;

namespace Snn.Gpu.Kernels;

/// <summary>
/// A blittable copy of <see cref="NeuronSpec"/>: ILGPU kernel parameters cannot hold bool, nullable or the
/// <see cref="Surrogate"/> record (its Gradient throws, which kernels cannot). Every equation below is written in the
/// same operation order as <see cref="NeuronReference"/> so the simulator reproduces it to the last bit where the
/// math library allows.
/// </summary>
internal readonly struct NeuronParams
{
    public readonly int Model, HardReset, DecayInput, DetachReset, FireStrict, SurrogateKind;
    public readonly float Tau, VThreshold, VReset, Decay, Alpha;

    /// <summary>DSpike's 2·tanh(α/2), the same for every neuron: computed once on the host, in .NET, so the device's
    /// tanh (which on CUDA rounds differently from .NET's) enters the surrogate once, through tanh(αu), not twice.</summary>
    public readonly float DSpikeDenominator;

    public NeuronParams(in NeuronSpec spec)
    {
        if (!Enum.IsDefined(spec.Model)) throw new InvalidOperationException($"Unknown neuron model {spec.Model}.");
        if (!Enum.IsDefined(spec.Surrogate.Kind)) throw new InvalidOperationException($"Unknown surrogate {spec.Surrogate.Kind}.");
        (Model, Tau, VThreshold, Decay) = ((int)spec.Model, spec.Tau, spec.VThreshold, spec.Decay);
        (HardReset, VReset) = (spec.VReset is null ? 0 : 1, spec.VReset ?? 0f);
        (DecayInput, DetachReset, FireStrict) = (spec.DecayInput ? 1 : 0, spec.DetachReset ? 1 : 0, spec.FireStrict ? 1 : 0);
        (SurrogateKind, Alpha) = ((int)spec.Surrogate.Kind, spec.Surrogate.Alpha);
        DSpikeDenominator = 2 * MathF.Tanh(Alpha / 2);
    }

    /// <summary>h_t from v_{t−1} and x_t (see <see cref="NeuronModel"/>).</summary>
    public float Charge(float v, float x) => (NeuronModel)Model switch
    {
        NeuronModel.If => v + x,
        NeuronModel.Lif => DecayInput != 0 ? v + (x - (v - VReset)) / Tau : v - (v - VReset) / Tau + x,
        _ => Decay * v + x,
    };

    /// <summary>s_t = H(h_t − v_th), with H(0) = 0 when firing is strict.</summary>
    public float Fire(float h) => (FireStrict != 0 ? h > VThreshold : h >= VThreshold) ? 1f : 0f;

    /// <summary>v_t: hard reset to v_reset or soft reset by subtracting v_th.</summary>
    public float Reset(float h, float s) => HardReset == 0 ? h - s * VThreshold : h * (1 - s) + VReset * s;

    /// <summary>∂h/∂x of the charge equation.</summary>
    public float ChargeSlopeInput() => (NeuronModel)Model == NeuronModel.Lif && DecayInput != 0 ? 1f / Tau : 1f;

    /// <summary>∂h/∂v_{t−1} of the charge equation.</summary>
    public float ChargeSlopeState() => (NeuronModel)Model switch
    {
        NeuronModel.If => 1f,
        NeuronModel.Lif => 1f - 1f / Tau,
        _ => Decay,
    };

    /// <summary>∂v_t/∂h_t through the reset; a detached reset treats the spike as a constant.</summary>
    public float ResetSlope(float h, float s, float sg)
    {
        if (HardReset == 0) return DetachReset != 0 ? 1f : 1f - VThreshold * sg;
        return DetachReset != 0 ? 1f - s : 1f - s + (VReset - h) * sg;
    }

    /// <summary>The surrogate ∂s/∂u at u = h − v_th; formulas in <see cref="Surrogate"/>.</summary>
    public float SurrogateGradient(float u)
    {
        float a = Alpha;
        switch ((SurrogateKind)SurrogateKind)
        {
            case Snn.Kernels.SurrogateKind.ATan:
                float z = MathF.PI / 2 * a * u;
                return a / 2 / (1 + z * z);
            case Snn.Kernels.SurrogateKind.Sigmoid:
                float sg = 1f / (1f + MathF.Exp(-a * u));
                return a * sg * (1 - sg);
            case Snn.Kernels.SurrogateKind.Rectangle:
                return MathF.Abs(u) < a / 2 ? 1f / a : 0f;
            default:
                if (MathF.Abs(u) >= 0.5f) return 0f;
                float th = MathF.Tanh(a * u);
                return a * (1 - th * th) / DSpikeDenominator;
        }
    }
}
