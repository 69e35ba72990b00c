// Fully connected layer.
using Snn.Autograd;

namespace Snn.Layers;

/// <summary>y = x·Wᵀ + b over the last dim; W [out, in], b [out]; PyTorch's default initialisation.</summary>
public sealed class Linear : Module, ISynapticLayer
{
    public Variable Weight { get; }
    public Variable? Bias { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }

    public Linear(int inFeatures, int outFeatures, bool bias = true, Rng? rng = null)
    {
        rng ??= new Rng(0);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Parameter("weight", rng.KaimingUniform(inFeatures, outFeatures, inFeatures));
        if (bias) Bias = Parameter("bias", rng.KaimingUniform(inFeatures, outFeatures));
    }

    public SynapticActivity? Activity { get; private set; }

    public void ClearActivity() => Activity = null;

    public override Variable Forward(Variable x)
    {
        if (ActivityRecorder.IsRecording)
        {
            // A sample-step is one sample at one time step: in time-major [T, N, L, I] its L tokens all belong to it,
            // so a real-valued token input is charged L·I·O MACs per step, not I·O.
            int inputs = x.Data.Rank >= 3 ? Tensor.ElementCount(x.Data.Shape[2..]) : InFeatures;
            Record(ActivityRecorder.Measure(x.Data, (long)inputs * OutFeatures, inputs));
        }
        return F.Linear(x, Weight, Bias);
    }

    private void Record(SynapticActivity a) => Activity = Activity is null ? a : Activity.Plus(a);
}
