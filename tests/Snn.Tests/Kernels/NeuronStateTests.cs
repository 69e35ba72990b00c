// Carrying the membrane between calls: a sequence fed in pieces gives the same spikes as fed whole.
using Snn.Autograd;
using Snn.Kernels;
using Snn.Layers;
using Snn.Layers.Neurons;

namespace Snn.Tests.Kernels;

public class NeuronStateTests
{
    public static TheoryData<string> Specs() => new() { "lif-hard", "lif-soft", "if", "decay" };

    private static NeuronSpec Spec(string name) => name switch
    {
        "lif-hard" => NeuronSpec.Lif(),
        "lif-soft" => NeuronSpec.Lif(vReset: null),
        "if" => NeuronSpec.If(),
        _ => NeuronSpec.DecayLif(),
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public void Kernel_SplitSequenceWithCarriedMembrane_EqualsWholeSequence(string name)
    {
        var spec = Spec(name);
        const int T = 6, n = 37;
        var x = new Rng(3).Uniform(-0.5f, 2f, T, n).ToArray();
        var (wantS, wantH) = (new float[x.Length], new float[x.Length]);
        NeuronKernel.Forward(x, T, spec, wantS, wantH);

        var membrane = new float[n];
        Array.Fill(membrane, spec.VReset ?? 0f);
        var (s, h) = (new float[x.Length], new float[x.Length]);
        foreach (var (start, steps) in new[] { (0, 2), (2, 1), (3, 3) })
            NeuronKernel.Forward(x.AsSpan(start * n, steps * n), steps, spec, s.AsSpan(start * n, steps * n), h.AsSpan(start * n, steps * n), membrane);
        Assert.Equal(wantS, s);
        Assert.Equal(wantH, h);
    }

    [Fact]
    public void Layer_StepByStepWithCarryState_EqualsMultiStep_AndResetStateRestarts()
    {
        const int T = 5;
        var x = new Rng(4).Uniform(0f, 1.5f, T, 3, 8);
        var whole = SpikingNeuron.Lif().Forward(Variable.Constant(x)).Data.ToArray();

        var stepper = SpikingNeuron.Lif();
        stepper.CarryState = true;
        var pieces = Enumerable.Range(0, T).SelectMany(t => stepper.Forward(Variable.Constant(x.Slice(t, 1))).Data.ToArray()).ToArray();
        Assert.Equal(whole, pieces);

        stepper.ResetState();
        Assert.Equal(whole[..24], stepper.Forward(Variable.Constant(x.Slice(0, 1))).Data.ToArray());
    }

    [Fact]
    public void ForwardPooled_StepByStepWithCarryState_EqualsMultiStepNeuronThenPool()
    {
        // The fused inference path (no graph) carries the same membrane as Forward does.
        const int T = 4;
        var x = new Rng(5).Uniform(0f, 1.5f, T, 2, 3, 6, 6);
        var pool = new MaxPool2d(2);
        float[] whole;
        using (GradMode.NoGrad()) whole = pool.Forward(SpikingNeuron.Lif().Forward(Variable.Constant(x))).Data.ToArray();

        var stepper = SpikingNeuron.Lif();
        stepper.CarryState = true;
        float[] pieces;
        using (GradMode.NoGrad())
            pieces = Enumerable.Range(0, T).SelectMany(t => stepper.ForwardPooled(Variable.Constant(x.Slice(t, 1)), pool).Data.ToArray()).ToArray();
        Assert.Equal(whole, pieces);
        Assert.Contains(1f, whole);
        Assert.Contains(0f, whole);
    }
}
