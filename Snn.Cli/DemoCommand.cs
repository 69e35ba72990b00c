// `snn demo`: the newcomer's first command: train a small csnn for about a minute, evaluate, print the table.
using System.CommandLine;
using Snn.Layers.Data;
using Snn.Layers.Models;
using Snn.Layers.Training;

namespace Snn.Cli;

internal static class DemoCommand
{
    public static Command Create()
    {
        var data = SharedOptions.Data();
        var output = new Option<string>("--out") { DefaultValueFactory = _ => "demo.snn", Description = "where to save the trained model" };
        var command = new Command("demo", "Train a small csnn on Fashion-MNIST (about a minute), evaluate it and print the metrics table.") { data, output };
        command.SetAction(r =>
        {
            var dataset = FashionMnist.Load(r.GetValue(data));
            bool full = dataset.Train.Count > 10_000;
            // About a minute on 2 cores: the full set gets one epoch of a 16/32 net; the shipped subset gets three.
            var architecture = Architecture.Csnn([16, 32], timeSteps: 4);
            var options = new TrainOptions(Epochs: full ? 1 : 3, BatchSize: 64, LearningRate: 2e-3f);
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
