// `snn train`: trains a zoo model on Fashion-MNIST with checkpoints, resume and a per-epoch report.
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Snn.IO;
using Snn.Layers.Data;
using Snn.Layers.Models;
using Snn.Layers.Training;
using Spectre.Console;

namespace Snn.Cli;

internal static class TrainCommand
{
    public static Command Create()
    {
        var o = new ModelOptions();
        var epochs = new Option<int>("--epochs") { Description = "epochs to train (in total, when resuming)", DefaultValueFactory = _ => 10 };
        var batch = SharedOptions.Batch(64);
        var lr = new Option<float>("--lr") { Description = "peak learning rate (cosine schedule)", DefaultValueFactory = _ => 1e-3f };
        var optimizer = new Option<string>("--optimizer") { Description = "adam, adamw or sgd", DefaultValueFactory = _ => "adam" };
        var weightDecay = new Option<float>("--weight-decay") { DefaultValueFactory = _ => 0f };
        var smoothing = new Option<float>("--label-smoothing") { DefaultValueFactory = _ => 0f };
        var clip = new Option<double>("--clip-norm") { Description = "clip the global gradient norm to this (0 = off)", DefaultValueFactory = _ => 0 };
        var warmup = new Option<int>("--warmup-epochs") { Description = "linear learning-rate warm-up before the cosine decay", DefaultValueFactory = _ => 0 };
        var augment = new Option<bool>("--augment") { Description = "random horizontal flips and shifts of the training images" };
        var maxShift = new Option<int>("--max-shift") { Description = "with --augment: shift by up to this many pixels (0 = flips only)", DefaultValueFactory = _ => 2 };
        var loss = new Option<string>("--loss") { Description = "mean: cross-entropy of the time-averaged logits; tet: mean of every step's cross-entropy (TET)", DefaultValueFactory = _ => "mean" };
        var ema = new Option<float>("--ema") { Description = "evaluate and save an exponential moving average of the weights and BN statistics with this decay, e.g. 0.9998 (0 = off)", DefaultValueFactory = _ => 0f };
        var trainImages = new Option<int?>("--train-images") { Description = "train on only the first N training images (quick runs; the test set stays whole)" };
        var seed = new Option<ulong>("--seed") { Description = "seed for initialisation and shuffling", DefaultValueFactory = _ => 0UL };
        var data = SharedOptions.Data();
        var output = new Option<string>("--out") { Description = "where to save the model (written atomically after every epoch)", DefaultValueFactory = _ => "model.snn" };
        var resume = new Option<string?>("--resume") { Description = "continue the run saved in this file" };
        var json = SharedOptions.Json();
        var command = new Command("train", "Train a spiking network on Fashion-MNIST.")
        {
            epochs, batch, lr, optimizer, weightDecay, smoothing, clip, warmup, augment, maxShift, loss, ema, trainImages, seed, data, output, resume, json,
        };
        o.AddTo(command);
        command.SetAction(r =>
        {
            var options = new TrainOptions(r.GetValue(epochs), r.GetValue(batch), r.GetValue(lr), r.GetValue(optimizer)!,
                r.GetValue(weightDecay), r.GetValue(smoothing), r.GetValue(clip), r.GetValue(warmup), r.GetValue(seed), r.GetValue(augment), r.GetValue(maxShift), r.GetValue(loss)!, r.GetValue(ema));
            var dataset = FashionMnist.Load(r.GetValue(data));
            if (r.GetValue(trainImages) is int count)
            {
                if (count < 1) throw new ArgumentException($"--train-images must be ≥ 1, got {count}.");
                dataset = dataset.WithTrainingImages(count);
            }
            return Train(o.Build(r), options, dataset, r.GetValue(output)!, r.GetValue(resume), r.GetValue(json));
        });
        return command;
    }

    /// <summary>The training run shared by `train` and `demo`.</summary>
    public static int Train(Architecture architecture, TrainOptions options, FashionMnist dataset, string output, string? resume, bool json)
    {
        CheckWritable(output);
        SpikingClassifier model;
        Trainer trainer;
        if (resume is not null)
        {
            if (!File.Exists(resume)) throw new FileNotFoundException($"--resume: checkpoint not found: {resume}");
            var file = ModelFile.Read(resume);
            var saved = Architecture.Parse(file.Architecture, resume);
            model = ModelZoo.Create(saved, options.Seed);
            trainer = new Trainer(model, options, dataset.Train.Count);
            trainer.Resume(file);
            Console.WriteLine($"resumed {resume}: {trainer.CompletedEpochs} of {options.Epochs} epochs done");
        }
        else
        {
            model = ModelZoo.Create(architecture, options.Seed);
            trainer = new Trainer(model, options, dataset.Train.Count);
        }
        Console.WriteLine($"data: {dataset.Source}");
        Console.WriteLine($"model: {model.Architecture} ({model.ParameterCount():N0} parameters), {Parallelism.Threads} threads");

        var results = new List<EpochResult>();
        double seconds = 0;
        while (trainer.CompletedEpochs < options.Epochs)
        {
            var result = RunEpochWithProgress(trainer, dataset, options, json);
            results.Add(result);
            seconds += result.Seconds;
            trainer.Save(output);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {result.Epoch,3}/{options.Epochs}  train loss {result.TrainLoss:F4}  train acc {result.TrainAccuracy * 100:F2}%  test acc {result.TestAccuracy * 100:F2}%{Live(result)}  {result.ImagesPerSecond:F0} img/s  {result.Seconds:F1} s"));
        }
        Console.WriteLine($"saved {output}");
        if (json)
        {
            var last = results.LastOrDefault();
            Console.WriteLine(new JsonObject
            {
                ["test_accuracy"] = last?.TestAccuracy,
                ["epochs"] = trainer.CompletedEpochs,
                ["seconds"] = seconds,
                ["images_per_second"] = results.Count == 0 ? 0 : results.Average(r => r.ImagesPerSecond),
                ["train_loss"] = last?.TrainLoss,
                ["model"] = output,
                ["per_epoch_test_accuracy"] = new JsonArray(results.Select(r => (JsonNode)r.TestAccuracy).ToArray()),
                ["per_epoch_live_test_accuracy"] = options.Ema > 0 ? new JsonArray(results.Select(r => (JsonNode?)r.LiveTestAccuracy).ToArray()) : null,
            }.ToJsonString());
        }
        return 0;
    }

    private static string Live(EpochResult r) =>
        r.LiveTestAccuracy is double live ? string.Create(CultureInfo.InvariantCulture, $" (averaged; live {live * 100:F2}%)") : "";

    private static EpochResult RunEpochWithProgress(Trainer trainer, FashionMnist dataset, TrainOptions options, bool json)
    {
        if (json || Console.IsOutputRedirected) return trainer.RunEpoch(dataset.Train, dataset.Test);
        EpochResult? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"epoch {trainer.CompletedEpochs + 1}/{options.Epochs}");
                result = trainer.RunEpoch(dataset.Train, dataset.Test, p =>
                {
                    task.MaxValue = p.Batches;
                    task.Value = p.Batch;
                    task.Description = string.Create(CultureInfo.InvariantCulture,
                        $"epoch {p.Epoch + 1}/{options.Epochs} loss {p.Loss:F3} acc {p.Accuracy * 100:F1}% {p.ImagesPerSecond:F0} img/s");
                });
            });
        return result!;
    }

    /// <summary>Fails before training, not after an hour of it, when the output folder cannot be written.</summary>
    private static void CheckWritable(string output)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(output))!;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"--out: folder does not exist: {dir}");
        var probe = Path.Combine(dir, $".snn-write-test-{Environment.ProcessId}");
        try { File.WriteAllText(probe, ""); File.Delete(probe); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"--out: cannot write to {dir}: {e.Message}", e);
        }
    }
}
