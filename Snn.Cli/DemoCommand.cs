// `snn demo`: the newcomer's first command: train a small csnn for about a minute, evaluate, print the table.
using System.CommandLine;
using Snn.Layers.Data;
using Snn.Layers.Models;
using Snn.Layers.Training;

namespace Snn.Cli;

internal static class DemoCommand
{
    private const int DemoTrainImages = 20_000;

    public static Command Create()
    {
        var data = SharedOptions.Data();
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "demo.snn", Description = "where to save the trained model" };
        var command = new Command("demo", "Train a small csnn on Fashion-MNIST (about a minute), evaluate it and print the metrics table.") { data, output };
        command.SetAction(r =>
        {
            var dataset = FashionMnist.Load(r.GetValue(data));
            // About a minute on 2 cores: with the full set, 2 epochs over its first 20,000 training images (tested on
            // all 10,000); with the shipped subset, 5 epochs over its 4,000.
            bool full = dataset.Train.Count > DemoTrainImages;
            if (full) dataset = dataset.WithTrainingImages(DemoTrainImages);
            var architecture = Architecture.Csnn([16, 32], timeSteps: 4);
            var options = new TrainOptions(Epochs: full ? 2 : 5, BatchSize: 64, LearningRate: 2e-3f);
            string path = r.GetValue(output)!;
            TrainCommand.Train(architecture, options, dataset, path, resume: null, json: false);
            var model = ModelSource.Load(path, null, null);
            Report.Measure(model, dataset.Test, dataset.Source, 256).Print();
            Console.WriteLine($"model saved to {Path.GetFullPath(path)}; evaluate it again with: snn eval --model {path}");
            return 0;
        });
        return command;
    }
}
