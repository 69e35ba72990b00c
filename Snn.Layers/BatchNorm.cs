// Batch normalisation layers: 2-D (per conv channel) and 1-D (per feature).
using Snn.Autograd;

namespace Snn.Layers;

/// <summary>
/// Per-channel normalisation with learnable γ (weight), β (bias) and running mean/var buffers, named as in
/// PyTorch. <see cref="ChannelDim"/> says where the channels are counting from the end: −3 for [..., C, H, W]
/// (BatchNorm2d), −1 for [..., C] (BatchNorm1d over features). All other dims, T included, share statistics.
/// </summary>
public sealed class BatchNorm : Module
{
    public Variable Weight { get; }
    public Variable Bias { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }
    public int ChannelDim { get; }
    public float Epsilon { get; }
    public float Momentum { get; }

    public BatchNorm(int channels, int channelDim, float epsilon = 1e-5f, float momentum = 0.1f)
    {
        ChannelDim = channelDim;
        Epsilon = epsilon;
        Momentum = momentum;
        Weight = Parameter("weight", Tensor.Ones(channels));
        Bias = Parameter("bias", Tensor.Zeros(channels));
        RunningMean = Buffer("running_mean", Tensor.Zeros(channels));
        RunningVar = Buffer("running_var", Tensor.Ones(channels));
    }

    public static BatchNorm TwoD(int channels) => new(channels, -3);

    public static BatchNorm OneD(int features) => new(features, -1);

    public override Variable Forward(Variable x) =>
        F.BatchNorm(x, Weight, Bias, RunningMean, RunningVar, ChannelDim, Training, Epsilon, Momentum);
}
