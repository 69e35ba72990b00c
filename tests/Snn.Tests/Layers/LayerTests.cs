// Modules, training utilities and the SOPs accounting.
using Snn.Autograd;
using Snn.Compression.Accounting;
using Snn.Layers;
using Snn.Layers.Models;
using Snn.Layers.Training;
using Snn.Tests.Autograd;

namespace Snn.Tests.Layers;

public class LayerTests
{
    [Fact]
    public void Csnn_StateDictNames_MatchPyTorch()
    {
        var names = ModelZoo.Create(Architecture.Csnn([16, 32])).StateDict().Select(s => s.name).Order().ToArray();
        string[] pytorch = ["bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.weight", "bn2.bias", "bn2.running_mean", "bn2.running_var",
            "bn2.weight", "conv1.weight", "conv2.weight", "fc.bias", "fc.weight"];
        Assert.Equal(pytorch, names);
    }

    [Fact]
    public void LoadStateDict_RejectsUnexpectedAndMissingNames()
    {
        var model = new Sequential(new Linear(3, 2));
        var state = model.StateDict().ToDictionary(s => s.name, s => s.tensor.Clone());
        Assert.Equal(["0.weight", "0.bias"], state.Keys);
        state["extra"] = Tensor.Zeros(1);
        Assert.Contains("'extra'", Assert.Throws<InvalidDataException>(() => model.LoadStateDict(state)).Message);
        state.Remove("extra");
        state.Remove("0.bias");
        Assert.Contains("missing tensor '0.bias'", Assert.Throws<InvalidDataException>(() => model.LoadStateDict(state)).Message);
    }

    [Fact]
    public void Dropout_SharedOverTime_DropsTheSameUnitsAtEveryStep_AndIsIdentityInEval()
    {
        var dropout = new Dropout(0.5f);
        var y = dropout.Forward(Variable.Constant(Tensor.Ones(3, 2, 50))).Data;
        for (int t = 1; t < 3; t++) Assert.Equal(y.Select(0).ToArray(), y.Select(t).ToArray());
        Assert.Contains(0f, y.ToArray());
        Assert.Contains(2f, y.ToArray());
        dropout.Eval();
        Assert.All(dropout.Forward(Variable.Constant(Tensor.Ones(3, 2, 50))).Data.ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void PoissonEncoder_FiresAtThePixelIntensity()
    {
        var image = new Tensor([0f, 0.25f, 0.5f, 1f], 1, 4);
        var spikes = Encoders.Poisson(image, 4000, new Rng(1));
        var rate = Ops.Mean(spikes, [0]).ToArray();
        Assert.Equal(0f, rate[0]);
        Assert.Equal(1f, rate[3]);
        Assert.InRange(rate[1], 0.23, 0.27);
        Assert.InRange(rate[2], 0.48, 0.52);
    }

    [Fact]
    public void CosineSchedule_WarmsUpLinearly_ThenDecaysToTheMinimum()
    {
        var schedule = new CosineSchedule(1f, TotalSteps: 110, WarmupSteps: 10, MinLearningRate: 0.1f);
        Assert.Equal(0.1f, schedule.At(0), 5);
        Assert.Equal(1f, schedule.At(9), 5);
        Assert.Equal(1f, schedule.At(10), 5);
        Assert.Equal(0.55f, schedule.At(60), 4);
        Assert.Equal(0.1f, schedule.At(110), 5);
    }

    [Fact]
    public void ClipNorm_ScalesAllGradientsTogether()
    {
        var a = Variable.Parameter(Tensor.Zeros(2));
        var b = Variable.Parameter(Tensor.Zeros(1));
        a.Grad = new Tensor([3f, 0f], 2);
        b.Grad = new Tensor([4f], 1);
        double norm = GradientClipping.ClipNorm([a, b], 1.0);
        Assert.Equal(5.0, norm, 6);
        Assert.Equal(0.6f, a.Grad.Span[0], 4);
        Assert.Equal(0.8f, b.Grad.Span[0], 4);
    }

    [Fact]
    public void FiringRateMse_Gradient() =>
        GradCheck.Check("FiringRateMse", v => Losses.FiringRateMse(v[0], [2, 0]), new Rng(3).Uniform(0f, 1f, 3, 2, 4));

    [Fact]
    public void TemporalCrossEntropy_IsTheMeanOverSteps_OfEachStepsCrossEntropy()
    {
        var logits = new Rng(4).Uniform(-2f, 2f, 3, 2, 5);
        int[] targets = [4, 1];
        double expected = Enumerable.Range(0, 3).Average(t =>
            F.CrossEntropy(Variable.Constant(logits.Select(t).Clone()), targets, 0.1f).Data.Item());
        Assert.Equal(expected, Losses.TemporalCrossEntropy(Variable.Constant(logits), targets, 0.1f).Data.Item(), 6);
        // Not the cross-entropy of the mean, which a mix-up of the two would give.
        Assert.NotEqual(expected, Losses.CrossEntropyOnMean(Variable.Constant(logits), targets, 0.1f).Data.Item(), 3);
    }

    [Fact]
    public void TemporalCrossEntropy_Gradient() =>
        GradCheck.Check("TemporalCrossEntropy", v => Losses.TemporalCrossEntropy(v[0], [2, 0]), new Rng(5).Uniform(-1f, 1f, 3, 2, 4));

    [Fact]
    public void Architecture_JsonRoundTrip_KeepsEverySetting()
    {
        var arch = new Architecture("csnn", [8, 12], 3, [1, 28, 28], 10, new NeuronConfig("lif", 3f, 0.8f, null, false, true, "dspike", 3f, FireStrict: true), "poisson");
        var back = Architecture.Parse(arch.ToJson());
        Assert.Equal(arch.ToJson(), back.ToJson());
        Assert.Null(back.Neuron.VReset);
        Assert.True(back.Neuron.ToSpec().FireStrict);
    }

    [Fact]
    public void Csnn_WithPoissonEncoding_FeedsSpikesToTheFirstConv()
    {
        var model = ModelZoo.Create(Architecture.Csnn([4, 8], timeSteps: 3) with { Encoding = "poisson" });
        model.Eval();
        ModelReport.ClearActivity(model);
        using (ActivityRecorder.Record())
        using (GradMode.NoGrad())
            Assert.Equal([2, 10], model.Forward(Variable.Constant(new Rng(2).Uniform(0f, 1f, 2, 1, 28, 28))).Data.ShapeArray());
        var conv1 = ModelReport.FromActivity(model, images: 2).Layers[0];
        Assert.True(conv1.SpikeInput, "Poisson-coded pixels are 0/1 spikes, so conv1 is charged accumulates");
    }

    [Fact]
    public void ModelReport_CountsSpikeInputsAsAccumulatesAndRealInputsAsMacsAtEveryStep()
    {
        // fc1 sees a real-valued input once per image; fc2 sees spikes over T = 2 steps.
        var fc1 = new Linear(4, 3, bias: false);
        var fc2 = new Linear(3, 2, bias: false);
        var model = new Probe(fc1, fc2);
        ModelReport.ClearActivity(model);
        using (ActivityRecorder.Record())
        {
            fc1.Forward(Variable.Constant(new Rng(1).Uniform(0.1f, 1f, 5, 4)));                 // 5 images, real-valued
            var spikes = Tensor.Zeros(2, 5, 3);
            spikes.Span[0] = spikes.Span[4] = spikes.Span[17] = 1f;                              // 3 spikes in total
            fc2.Forward(Variable.Constant(spikes));
        }
        var report = ModelReport.FromActivity(model, images: 5);
        Assert.Equal(4 * 3 * 2.0, report.Layers[0].MacsPerImage, 6);  // MACs per step × T, per image
        Assert.Equal(3 * 2 / 5.0, report.Layers[1].AcsPerImage, 6);     // each spike reaches 2 outputs; 3 spikes over 5 images
        Assert.Equal(0.9 * report.AcsPerImage + 4.6 * report.MacsPerImage, report.Picojoules, 6);
    }

    private sealed class Probe : SpikingClassifier
    {
        public Probe(Linear a, Linear b) : base(Architecture.Csnn([1], timeSteps: 2) with { Model = "probe" })
        {
            Child("fc1", a);
            Child("fc2", b);
        }

        public override Variable ForwardTime(Variable images) => throw new NotSupportedException();
    }
}
