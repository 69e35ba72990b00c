// Training is reproducible, resumable, learns, and fails loudly on divergence and bad paths.
using Snn.IO;
using Snn.Layers.Data;
using Snn.Layers.Models;
using Snn.Layers.Training;

namespace Snn.Tests.Models;

public class TrainingTests
{
    private static readonly Lazy<FashionMnist> Data = new(FashionMnist.LoadShippedSubset);

    private static ImageDataset Take(ImageDataset d, int count) => new(d.Images.Slice(0, count).Clone(), d.Labels[..count]);

    private static ImageDataset SmallTrain => Take(Data.Value.Train, 192);

    private static ImageDataset SmallTest => Take(Data.Value.Test, 64);

    private static Architecture Tiny => Architecture.Csnn([4, 8], timeSteps: 2);

    private static float[] Weights(SpikingClassifier m) => m.StateDict().SelectMany(s => s.tensor.ToArray()).ToArray();

    private static (SpikingClassifier, Trainer) Fresh(TrainOptions options)
    {
        var model = ModelZoo.Create(Tiny, options.Seed);
        return (model, new Trainer(model, options, SmallTrain.Count));
    }

    [Theory]
    [InlineData("loss", "loss must be mean or tet, got 'rate'.")]
    [InlineData("shift", "max-shift must be ≥ 0, got -1.")]
    public void BadOptions_AreRejected_ByName(string which, string message)
    {
        var options = which == "loss" ? new TrainOptions(Loss: "rate") : new TrainOptions(Augment: true, MaxShift: -1);
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => Fresh(options)).Message);
    }

    [Fact]
    public void TetLoss_TrainsReproducibly_AndDiffersFromTheMeanLoss()
    {
        var options = new TrainOptions(Epochs: 1, BatchSize: 32, Seed: 3, Loss: "tet");
        var (a, ta) = Fresh(options);
        var (b, tb) = Fresh(options);
        var (c, tc) = Fresh(options with { Loss = "mean" });
        foreach (var t in new[] { ta, tb, tc }) t.RunEpoch(SmallTrain, SmallTest);
        Assert.Equal(Weights(a), Weights(b));
        Assert.NotEqual(Weights(a), Weights(c));
    }

    [Fact]
    public void SameSeedAndThreads_GiveBitIdenticalWeights()
    {
        var options = new TrainOptions(Epochs: 1, BatchSize: 32, Seed: 11);
        var (a, ta) = Fresh(options);
        var (b, tb) = Fresh(options);
        ta.RunEpoch(SmallTrain, SmallTest);
        tb.RunEpoch(SmallTrain, SmallTest);
        Assert.Equal(Weights(a), Weights(b));
        var (c, tc) = Fresh(options with { Seed = 12 });
        tc.RunEpoch(SmallTrain, SmallTest);
        Assert.NotEqual(Weights(a), Weights(c));
    }

    [Fact]
    public void InterruptedAndResumedRun_EndsWithSameWeightsAsUninterrupted()
    {
        var options = new TrainOptions(Epochs: 2, BatchSize: 32, Optimizer: "adam", Seed: 3);
        var (straight, t1) = Fresh(options);
        t1.RunEpoch(SmallTrain, SmallTest);
        t1.RunEpoch(SmallTrain, SmallTest);

        var path = Path.Combine(Path.GetTempPath(), $"resume-{Guid.NewGuid():N}.snn");
        try
        {
            var (resumed, t3) = ResumedAfterOneEpoch(options, path);
            Assert.Equal(1, t3.CompletedEpochs);
            t3.RunEpoch(SmallTrain, SmallTest);
            Assert.Equal(Weights(straight), Weights(resumed));
        }
        finally { File.Delete(path); }
    }

    /// <summary>Trains one epoch, saves to <paramref name="path"/>, and resumes from the file into a differently seeded model.</summary>
    private static (SpikingClassifier, Trainer) ResumedAfterOneEpoch(TrainOptions options, string path)
    {
        var (_, first) = Fresh(options);
        first.RunEpoch(SmallTrain, SmallTest);
        first.Save(path);
        var file = ModelFile.Read(path);
        var resumed = ModelZoo.Create(Architecture.Parse(file.Architecture), seed: 999);
        var trainer = new Trainer(resumed, options, SmallTrain.Count);
        trainer.Resume(file);
        return (resumed, trainer);
    }

    [Fact]
    public void Csnn_LearnsOnTheSubset_WellAboveChance()
    {
        var data = Data.Value;
        var model = ModelZoo.Create(Architecture.Csnn([8, 16], timeSteps: 2), seed: 1);
        var trainer = new Trainer(model, new TrainOptions(Epochs: 1, BatchSize: 32, LearningRate: 2e-3f), 2000);
        var result = trainer.RunEpoch(Take(data.Train, 2000), Take(data.Test, 500));
        Assert.True(result.TestAccuracy > 0.55, $"test accuracy {result.TestAccuracy:P1} after one epoch on 2,000 images");
    }

    [Fact]
    public void DivergingRun_StopsWithTheStepNumber()
    {
        var (model, trainer) = Fresh(new TrainOptions(Epochs: 1, BatchSize: 32));
        model.NamedParameters().Single(p => p.name == "fc.bias").parameter.Data.Span[3] = float.NaN;
        var ex = Assert.Throws<ArithmeticException>(() => trainer.RunEpoch(SmallTrain, SmallTest));
        Assert.Matches(@"step \d+", ex.Message);
    }

    [Fact]
    public void Save_ToMissingFolder_NamesThePath()
    {
        var (_, trainer) = Fresh(new TrainOptions(Epochs: 1));
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}", "model.snn");
        var ex = Assert.ThrowsAny<IOException>(() => trainer.Save(path));
        Assert.Contains("missing-", ex.Message);
    }

    [Fact]
    public void Resume_WithCheckpointOfAnotherArchitecture_NamesTheTensor()
    {
        var path = Path.Combine(Path.GetTempPath(), $"other-{Guid.NewGuid():N}.snn");
        try
        {
            var (_, trainer) = Fresh(new TrainOptions(Epochs: 1));
            trainer.Save(path);
            var other = ModelZoo.Create(Architecture.Csnn([4, 16], timeSteps: 2));
            var t = new Trainer(other, new TrainOptions(Epochs: 1), 10);
            var ex = Assert.Throws<InvalidDataException>(() => t.Resume(ModelFile.Read(path)));
            Assert.Contains("conv2.weight", ex.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void WeightAverage_FollowsItsRecurrence_AndApplyRestoresTheLiveWeights()
    {
        var model = ModelZoo.Create(Tiny, seed: 1);
        var weight = model.NamedParameters().Single(p => p.name == "fc.bias").parameter.Data;
        var average = new WeightAverage(model, decay: 0.9f);
        float start = weight.Span[0];
        weight.Span[0] = start + 1;
        average.Update(step: 1);    // decay min(0.9, 2/11)
        float expected = start + (1 - 2f / 11);
        weight.Span[0] = start + 3;
        average.Update(step: 100);  // decay 0.9
        expected = 0.9f * expected + 0.1f * (start + 3);
        float averaged = average.StateDict().Single(s => s.name == "fc.bias").tensor.Span[0];
        Assert.Equal(expected, averaged, 5);
        using (average.Apply()) Assert.Equal(averaged, weight.Span[0]);
        Assert.Equal(start + 3, weight.Span[0]);
    }

    [Fact]
    public void WithEma_TheFileHoldsTheAverage_AndResumeContinuesBothBitForBit()
    {
        var options = new TrainOptions(Epochs: 2, BatchSize: 32, Seed: 5, Ema: 0.95f);
        var (straight, t1) = Fresh(options);
        t1.RunEpoch(SmallTrain, SmallTest);
        var last = t1.RunEpoch(SmallTrain, SmallTest);
        Assert.NotNull(last.LiveTestAccuracy);

        var path = Path.Combine(Path.GetTempPath(), $"ema-{Guid.NewGuid():N}.snn");
        var straightPath = Path.Combine(Path.GetTempPath(), $"ema-{Guid.NewGuid():N}.snn");
        try
        {
            var (resumed, t3) = ResumedAfterOneEpoch(options, path);
            var again = t3.RunEpoch(SmallTrain, SmallTest);
            Assert.Equal(Weights(straight), Weights(resumed));
            Assert.Equal(last.TestAccuracy, again.TestAccuracy);

            t1.Save(straightPath);
            t3.Save(path);
            var loaded = ModelLoader.Load(path);
            Assert.Equal(Weights(ModelLoader.Load(straightPath)), Weights(loaded));
            Assert.NotEqual(Weights(straight), Weights(loaded));
            Assert.Equal(last.TestAccuracy, Evaluator.Evaluate(loaded, SmallTest).Accuracy);

            var plain = new Trainer(ModelZoo.Create(Tiny), options with { Ema = 0 }, SmallTrain.Count);
            var ex = Assert.Throws<InvalidDataException>(() => plain.Resume(ModelFile.Read(path)));
            Assert.Contains("--ema", ex.Message);
        }
        finally
        {
            File.Delete(path);
            File.Delete(straightPath);
        }
    }
}
