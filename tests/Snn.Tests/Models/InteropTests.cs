// The PyTorch-trained csnn in ../shared/interop (copied to tests/Snn.Tests/interop) gives PyTorch's answers here.
using System.Text.Json;
using Snn.Autograd;
using Snn.Layers.Data;
using Snn.Layers.Models;
using Snn.Layers.Training;

namespace Snn.Tests.Models;

/// <summary>Skipped unless the full Fashion-MNIST (Debian package dataset-fashion-mnist) is installed.</summary>
public sealed class FullFashionMnistFactAttribute : FactAttribute
{
    public FullFashionMnistFactAttribute()
    {
        if (!File.Exists(Path.Combine(FashionMnist.SystemDirectory, "t10k-images-idx3-ubyte.gz")))
            Skip = $"full Fashion-MNIST not installed at {FashionMnist.SystemDirectory} (apt-get install dataset-fashion-mnist)";
    }
}

public class InteropTests
{
    private static string Interop(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "interop", .. parts]);

    private static JsonElement Expected(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    private static float[,] Logits(SpikingClassifier model, Tensor images)
    {
        using var _ = GradMode.NoGrad();
        var y = model.Forward(Variable.Constant(images)).Data;
        var result = new float[y.Shape[0], y.Shape[1]];
        for (int i = 0; i < y.Shape[0]; i++) for (int k = 0; k < y.Shape[1]; k++) result[i, k] = y[i, k];
        return result;
    }

    private static void AssertLogits(JsonElement want, float[,] got, double tolerance)
    {
        int i = 0;
        foreach (var row in want.EnumerateArray())
        {
            int k = 0;
            foreach (var v in row.EnumerateArray())
            {
                Assert.True(Math.Abs(v.GetDouble() - got[i, k]) <= tolerance, $"logit [{i}, {k}]: got {got[i, k]}, PyTorch {v.GetDouble()}");
                k++;
            }
            i++;
        }
    }

    [Fact]
    public void ImportedCsnn_LogitsOfFirst32TestImages_MatchPyTorchWithin1e3()
    {
        var model = ModelLoader.ImportPyTorch(Interop("arch.json"), Interop("model.safetensors"));
        var test = FashionMnist.LoadShippedSubset().Test;
        var logits = Logits(model, test.Images.Slice(0, 32));
        AssertLogits(Expected(Interop("expected.json")).GetProperty("logits_first32"), logits, 1e-3);
    }

    [Fact]
    public void ImportedCsnn_PredictionsOnShippedTestImages_AgreeWithPyTorch()
    {
        var model = ModelLoader.ImportPyTorch(Interop("arch.json"), Interop("model.safetensors"));
        var test = FashionMnist.LoadShippedSubset().Test;
        var want = Expected(Interop("expected.json")).GetProperty("pred").EnumerateArray().Select(p => p.GetInt32()).ToArray();
        var got = Evaluator.Evaluate(model, test).Predictions;
        int agree = got.Where((p, i) => p == want[i]).Count();
        Assert.True(agree >= 0.998 * got.Length, $"{agree} of {got.Length} predictions agree with PyTorch");
    }

    [FullFashionMnistFact]
    public void ImportedCsnn_OnFullTestSet_AgreesOn998Permille_AndAccuracyWithin02Points()
    {
        var model = ModelLoader.ImportPyTorch(Interop("arch.json"), Interop("model.safetensors"));
        var test = FashionMnist.Load(FashionMnist.SystemDirectory).Test;
        var expected = Expected(Interop("expected.json"));
        var want = expected.GetProperty("pred").EnumerateArray().Select(p => p.GetInt32()).ToArray();
        var evaluation = Evaluator.Evaluate(model, test);
        int agree = evaluation.Predictions.Where((p, i) => p == want[i]).Count();
        Assert.True(agree >= 9980, $"{agree} of 10000 predictions agree with PyTorch");
        Assert.InRange(evaluation.Accuracy, expected.GetProperty("test_accuracy").GetDouble() - 0.002, expected.GetProperty("test_accuracy").GetDouble() + 0.002);
    }

    [Fact]
    public void ImportedCsnn_WithOtherChannelsTauThresholdAndSoftReset_MatchesPyTorch()
    {
        // channels 8,12; T=3; tau 3; v_th 0.8; soft reset; no decay_input (made by interop/make_variant.py).
        var model = ModelLoader.ImportPyTorch(Interop("variant", "arch.json"), Interop("variant", "model.safetensors"));
        Assert.Equal(3, model.TimeSteps);
        var test = FashionMnist.LoadShippedSubset().Test;
        AssertLogits(Expected(Interop("variant", "expected.json")).GetProperty("logits_first16"), Logits(model, test.Images.Slice(0, 16)), 1e-4);
    }

    [Fact]
    public void Import_WithArchitectureThatDoesNotFitTheWeights_NamesTheTensorAndShapes()
    {
        var arch = Path.Combine(Path.GetTempPath(), $"arch-{Guid.NewGuid():N}.json");
        File.WriteAllText(arch, File.ReadAllText(Interop("arch.json")).Replace("32", "48"));
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => ModelLoader.ImportPyTorch(arch, Interop("model.safetensors")));
            Assert.Contains("conv2.weight", ex.Message);
            Assert.Contains("[32, 16, 3, 3]", ex.Message);
            Assert.Contains("[48, 16, 3, 3]", ex.Message);
        }
        finally { File.Delete(arch); }
    }
}
