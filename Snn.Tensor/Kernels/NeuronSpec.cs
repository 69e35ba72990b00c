// The settings of a multi-step spiking neuron, shared by every backend's neuron kernel.
namespace Snn.Kernels;

/// <summary>Which charge equation a neuron uses.</summary>
public enum NeuronModel
{
    /// <summary>Integrate-and-fire: h_t = v_{t−1} + x_t.</summary>
    If,
    /// <summary>Leaky integrate-and-fire with time constant tau (SpikingJelly's LIFNode).</summary>
    Lif,
    /// <summary>SpikeDHS / LitE-SNN neuron: u_t = decay·u_{t−1}·(1 − s_{t−1}) + x_t, reset factor kept in the graph.</summary>
    DecayLif,
}

/// <summary>
/// A neuron is charge → fire → reset, applied at every time step t to every neuron independently:
/// <code>
/// charge: h_t = f(v_{t−1}, x_t)      (see <see cref="NeuronModel"/>; LIF with decay_input: h = v + (x − (v − v_reset))/tau)
/// fire:   s_t = H(h_t − v_th)        (H(0) = 1 unless <see cref="FireStrict"/>)
/// reset:  v_t = s_t ? v_reset : h_t  (hard)   or   v_t = h_t − s_t·v_th  (soft, when <see cref="VReset"/> is null)
/// </code>
/// v_0 = v_reset (0 for soft reset). tau is the membrane time constant, v_th the firing threshold.
/// </summary>
public readonly record struct NeuronSpec(
    NeuronModel Model,
    float Tau,
    float VThreshold,
    float? VReset,
    bool DecayInput,
    bool DetachReset,
    bool FireStrict,
    float Decay,
    Surrogate Surrogate)
{
    /// <summary>SpikingJelly's LIFNode defaults: tau 2, v_th 1, hard reset to 0, decay_input, detached reset, sigmoid α=4.</summary>
    public static NeuronSpec Lif(float tau = 2f, float vThreshold = 1f, float? vReset = 0f, bool decayInput = true,
        bool detachReset = true, Surrogate? surrogate = null) =>
        new(NeuronModel.Lif, tau, vThreshold, vReset, decayInput, detachReset, false, 0f, surrogate ?? Surrogate.Sigmoid());

    public static NeuronSpec If(float vThreshold = 1f, float? vReset = 0f, bool detachReset = true, Surrogate? surrogate = null) =>
        new(NeuronModel.If, 1f, vThreshold, vReset, false, detachReset, false, 0f, surrogate ?? Surrogate.Sigmoid());

    /// <summary>The SpikeDHS neuron: strict firing (u &gt; v_th), reset to 0 through a factor (1 − s) that gradients pass.</summary>
    public static NeuronSpec DecayLif(float decay = 0.2f, float vThreshold = 0.5f, Surrogate? surrogate = null) =>
        new(NeuronModel.DecayLif, 1f, vThreshold, 0f, false, false, true, decay, surrogate ?? Surrogate.DSpike(3f));

    /// <summary>
    /// Whether tau is a power of two (2 is LIF's default): then x / tau and x · (1/tau) round the same exact value, and
    /// a kernel may multiply instead of divide without changing a bit.
    /// </summary>
    public bool ExactReciprocalTau => float.IsNormal(Tau) && (BitConverter.SingleToInt32Bits(Tau) & 0x7FFFFF) == 0;

    /// <summary>Throws with a clear message when a setting cannot work (tau ≤ 0 would divide by zero or flip the leak).</summary>
    public void Validate()
    {
        if (Model == NeuronModel.Lif && !(Tau > 0)) throw new ArgumentException($"Neuron: tau must be > 0, got {Tau}.");
        if (!float.IsFinite(VThreshold)) throw new ArgumentException($"Neuron: v_th must be finite, got {VThreshold}.");
        if (Model == NeuronModel.DecayLif && !(Decay >= 0 && Decay <= 1)) throw new ArgumentException($"Neuron: decay must be in [0, 1], got {Decay}.");
    }
}
