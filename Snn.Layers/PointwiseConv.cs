// A 1×1 convolution over tokens: a linear map of the features that keeps PyTorch's conv weight shape.
using Snn.Autograd;

namespace Snn.Layers;

/// <summary>
/// y = x·Wᵀ + b over the last dim of token features x [..., L, I]; W is stored as PyTorch's Conv1d [O, I, 1] or
/// Conv2d [O, I, 1, 1] weight (<paramref name="spatialDims"/> = 1 or 2), so checkpoints of models written with 1×1
/// convolutions (SDT, Spikingformer) load by name and shape. A 1×1 conv on [C, H, W] is this map on the H·W tokens.
/// </summary>
public sealed class PointwiseConv : Module, ISynapticLayer
{
    public Variable Weight { get; }
    public Variable? Bias { get; }
    public int InChannels { get; }
    public int OutChannels { get; }

    public PointwiseConv(int inChannels, int outChannels, int spatialDims, bool bias = true, Rng? rng = null)
    {
        if (spatialDims is not (1 or 2)) throw new ArgumentException($"PointwiseConv: spatialDims must be 1 (Conv1d) or 2 (Conv2d), got {spatialDims}.");
        rng ??= new Rng(0);
        (InChannels, OutChannels) = (inChannels, outChannels);
        int[] shape = spatialDims == 1 ? [outChannels, inChannels, 1] : [outChannels, inChannels, 1, 1];
        Weight = Parameter("weight", rng.KaimingUniform(inChannels, shape));
        if (bias) Bias = Parameter("bias", rng.KaimingUniform(inChannels, outChannels));
    }

    public SynapticActivity? Activity { get; private set; }

    public void ClearActivity() => Activity = null;

    /// <summary>x [T, N, L, I] → [T, N, L, O].</summary>
    public override Variable Forward(Variable x)
    {
        if (ActivityRecorder.IsRecording)
        {
            // One sample-step (a sample at a time step) holds all L tokens, as a conv's sample-step holds all pixels.
            int inputs = Tensor.ElementCount(x.Data.Shape[2..]);
            var a = ActivityRecorder.Measure(x.Data, (long)inputs * OutChannels, inputs);
            Activity = Activity is null ? a : Activity.Plus(a);
        }
        return F.Linear(x, F.Reshape(Weight, OutChannels, InChannels), Bias);
    }
}
