// PLIF: a LIF neuron whose membrane time constant is learned (Fang et al., ICCV 2021).
using Snn.Autograd;
using Snn.Backends;
using Snn.Kernels;

namespace Snn.Layers.Neurons;

/// <summary>
/// LIF with 1/tau = sigmoid(w), w a trainable scalar shared by the layer (initialised so tau = <c>initTau</c>).
/// The neuron kernel gives ∂L/∂x; the leak's gradient is assembled from it: with k = 1/tau and decay_input,
/// h_t = v_{t−1} + k·(x_t − (v_{t−1} − v_reset)), so ∂L/∂k = Σ_t g_h,t·(x_t − v_{t−1} + v_reset) and g_h = g_x/k.
/// </summary>
public sealed class ParametricLif : SpikingNeuron
{
    public Variable W { get; }

    public ParametricLif(float initTau = 2f, float vThreshold = 1f, float? vReset = 0f, bool decayInput = true, Surrogate? surrogate = null,
        bool fireStrict = false)
        : base(NeuronSpec.Lif(initTau, vThreshold, vReset, decayInput, true, surrogate) with { FireStrict = fireStrict })
    {
        if (!(initTau > 1f)) throw new ArgumentException($"ParametricLif: initial tau must be > 1 (1/tau is a sigmoid), got {initTau}.");
        W = Parameter("w", Tensor.Scalar(-MathF.Log(initTau - 1f)).Reshape(1));
    }

    public float Tau => 1f + MathF.Exp(-W.Data.Span[0]);

    /// <summary>Its own Forward (the leak's gradient), then the pool: PLIF's inference is not fused.</summary>
    public override Variable ForwardPooled(Variable x, MaxPool2d pool) => pool.Forward(Forward(x));

    /// <summary>The convolution, then its own Forward and the pool: not fused either.</summary>
    public override Variable ForwardConv(Variable x, Variable weight, Variable? bias, int stride, int padding, MaxPool2d? pool = null)
    {
        var spikes = Forward(F.Conv2d(x, weight, bias, stride, padding));
        return pool is null ? spikes : pool.Forward(spikes);
    }

    /// <summary>The convolution once, repeated over T, then its own Forward and the pool: not fused either.</summary>
    public override Variable ForwardImageConv(Variable images, Variable weight, Variable? bias, int stride, int padding, int timeSteps,
        MaxPool2d? pool = null)
    {
        var spikes = Forward(F.RepeatTime(F.Conv2d(images, weight, bias, stride, padding), timeSteps));
        return pool is null ? spikes : pool.Forward(spikes);
    }

    /// <summary>The batch norm, then its own Forward and the pool: not fused either.</summary>
    public override Variable ForwardNormalised(BatchNorm bn, Variable x, MaxPool2d? pool = null)
    {
        var spikes = Forward(bn.Forward(x));
        return pool is null ? spikes : pool.Forward(spikes);
    }

    /// <summary>The linear layer, then its own Forward: not fused either.</summary>
    public override Variable ForwardLinear(Variable x, Variable weight, Variable? bias) => Forward(F.Linear(x, weight, bias));

    public override Variable Forward(Variable x)
    {
        float k = 1f / (1f + MathF.Exp(-W.Data.Span[0]));
        var spec = Spec with { Tau = 1f / k };
        Spec = spec;
        int timeSteps = x.Data.Shape[0];
        var input = x.Data.Contiguous().Reshape(timeSteps, -1);
        var spikes = Tensor.Zeros(input.ShapeArray());
        var charged = Tensor.Zeros(input.ShapeArray());
        Backend.Current.NeuronForward(input, spec, spikes, charged);
        var shape = x.Data.ShapeArray();
        return Variable.FromOp(spikes.Reshape(shape), [x, W], gy =>
        {
            var gx = Tensor.Zeros(input.ShapeArray());
            Backend.Current.NeuronBackward(gy.Contiguous().Reshape(timeSteps, -1), charged, spec, gx);
            if (W.RequiresGrad) W.AccumulateGrad(Tensor.Scalar(LeakGradient(input, charged, gx, spec, k) * k * (1 - k)).Reshape(1));
            x.AccumulateGrad(gx.Reshape(shape));
        });
    }

    /// <summary>∂L/∂k from ∂L/∂x, rebuilding v_{t−1} from the saved h (v_0 = v_reset).</summary>
    private static float LeakGradient(Tensor input, Tensor charged, Tensor gx, NeuronSpec spec, float k)
    {
        int timeSteps = input.Shape[0], n = input.Shape[1];
        float vReset = spec.VReset ?? 0f;
        var xs = input.Span;
        var hs = charged.Span;
        var gs = gx.Span;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float v = vReset;
            for (int t = 0; t < timeSteps; t++)
            {
                int j = t * n + i;
                float gh = spec.DecayInput ? gs[j] / k : gs[j];
                float dhdk = spec.DecayInput ? xs[j] - (v - vReset) : -(v - vReset);
                sum += gh * dhdk;
                float h = hs[j];
                float s = (spec.FireStrict ? h > spec.VThreshold : h >= spec.VThreshold) ? 1f : 0f;
                v = spec.VReset is null ? h - s * spec.VThreshold : h * (1 - s) + vReset * s;
            }
        }
        return (float)sum;
    }
}
