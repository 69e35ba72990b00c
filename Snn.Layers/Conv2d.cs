// 2-D convolution layer.
using Snn.Autograd;

namespace Snn.Layers;

/// <summary>
/// Convolution with a kernel×kernel filter bank W [out, in, k, k] and optional bias, PyTorch's default init.
/// Accepts [N, C, H, W] or time-major [T, N, C, H, W] (T·N images, one weight).
/// </summary>
public sealed class Conv2d : Module, ISynapticLayer
{
    public Variable Weight { get; }
    public Variable? Bias { get; }
    public int InChannels { get; }
    public int OutChannels { get; }
    public int Kernel { get; }
    public int Stride { get; }
    public int Padding { get; }

    public Conv2d(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, bool bias = true, Rng? rng = null)
    {
        rng ??= new Rng(0);
        (InChannels, OutChannels, Kernel, Stride, Padding) = (inChannels, outChannels, kernel, stride, padding);
        int fanIn = inChannels * kernel * kernel;
        Weight = Parameter("weight", rng.KaimingUniform(fanIn, outChannels, inChannels, kernel, kernel));
        if (bias) Bias = Parameter("bias", rng.KaimingUniform(fanIn, outChannels));
    }

    public SynapticActivity? Activity { get; private set; }

    public void ClearActivity() => Activity = null;

    public override Variable Forward(Variable x)
    {
        var y = F.Conv2d(x, Weight, Bias, Stride, Padding);
        if (ActivityRecorder.IsRecording)
        {
            int inputs = InChannels * x.Data.Shape[^2] * x.Data.Shape[^1];
            long macs = (long)OutChannels * y.Data.Shape[^2] * y.Data.Shape[^1] * InChannels * Kernel * Kernel;
            Record(ActivityRecorder.Measure(x.Data, macs, inputs));
        }
        return y;
    }

    private void Record(SynapticActivity a) => Activity = Activity is null ? a : Activity.Plus(a);
}
