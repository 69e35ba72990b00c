// `snn eval`: evaluates a saved or imported model and prints the metrics table.
using System.CommandLine;
using System.Globalization;
using System.Text;
using Snn.IO;
using Snn.Layers.Data;

namespace Snn.Cli;

internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "a model saved by `snn train` (.snn)" };
        var arch = new Option<string?>("--arch") { Description = "architecture JSON of a PyTorch model (with --weights)" };
        var weights = new Option<string?>("--weights") { Description = "safetensors weights under PyTorch state_dict names (with --arch)" };
        var data = SharedOptions.Data();
        var json = SharedOptions.Json();
        var batch = SharedOptions.Batch(256);
        var predictions = new Option<string?>("--predictions") { Description = "write a CSV index,label,pred,logit0,... for every test image" };
        var command = new Command("eval", "Evaluate a model: accuracy, parameters, size, SOPs, energy, latency, peak memory.")
        {
            model, arch, weights, data, json, batch, predictions,
        };
        command.SetAction(r =>
        {
            var net = ModelSource.Load(r.GetValue(model), r.GetValue(arch), r.GetValue(weights));
            var dataset = FashionMnist.Load(r.GetValue(data));
            var report = Report.Measure(net, dataset.Test, dataset.Source, r.GetValue(batch), keepLogits: r.GetValue(predictions) is not null);
            if (r.GetValue(predictions) is string path)
            {
                WritePredictions(path, dataset.Test.Labels, report.Evaluation);
                Console.WriteLine($"predictions written to {path}");
            }
            if (r.GetValue(json)) Console.WriteLine(report.ToJson().ToJsonString());
            else report.Print();
            return 0;
        });
        return command;
    }

    private static void WritePredictions(string path, int[] labels, Layers.Training.Evaluation evaluation)
    {
        var sb = new StringBuilder();
        int classes = evaluation.Logits.Length > 0 ? evaluation.Logits[0].Length : 0;
        sb.Append("index,label,pred");
        for (int k = 0; k < classes; k++) sb.Append(",logit").Append(k);
        sb.Append('\n');
        for (int i = 0; i < labels.Length; i++)
        {
            sb.Append(i).Append(',').Append(labels[i]).Append(',').Append(evaluation.Predictions[i]);
            foreach (float v in evaluation.Logits[i]) sb.Append(',').Append(v.ToString("R", CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }
}
