// Measures and prints the metrics table every command shows for a model.
using System.Globalization;
using System.Text.Json.Nodes;
using Snn.Compression.Accounting;
using Snn.Diagnostics;
using Snn.Layers.Data;
using Snn.Layers.Models;
using Snn.Layers.Training;
using Spectre.Console;

namespace Snn.Cli;

/// <summary>Accuracy, parameters, size, SOPs, energy, latency and peak memory of a model on a test set.</summary>
internal sealed record Report(string Model, string Data, double Accuracy, ModelReport Cost, double MsPerBatch, double MsPerImage,
    int Batch, long PeakManagedBytes, long PeakResidentBytes, Evaluation Evaluation)
{
    /// <summary>
    /// Two passes: one recording synaptic activity (for SOPs), one clean timed pass (for latency) with the peak
    /// managed heap sampled.
    /// </summary>
    public static Report Measure(SpikingClassifier model, ImageDataset test, string dataSource, int batch, bool keepLogits = false)
    {
        ModelReport.ClearActivity(model);
        Evaluator.Evaluate(model, test, batch, recordActivity: true);
        var cost = ModelReport.FromActivity(model, test.Count);
        using var peak = PeakMemory.Start();
        var timed = Evaluator.Evaluate(model, test, batch, keepLogits: keepLogits);
        long managed = peak.Stop();
        return new Report(model.Architecture.ToString(), dataSource, timed.Accuracy, cost, timed.MillisecondsPerBatch, timed.MillisecondsPerImage,
            batch, managed, PeakMemory.PeakResidentBytes, timed);
    }

    public void Print()
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("model", Markup.Escape(Model));
        table.AddRow("test accuracy", $"{Accuracy * 100:F2} %");
        table.AddRow("parameters", Cost.Parameters.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("model size", $"{Cost.SizeBytes:N0} B ({Cost.BitsPerWeight}-bit weights)");
        table.AddRow("SOPs / image", $"{Cost.SopsPerImage / 1e6:F3} M ({Cost.AcsPerImage / 1e6:F3} M AC + {Cost.MacsPerImage / 1e6:F3} M MAC)");
        table.AddRow("energy / image", $"{Cost.MicrojoulesPerImage:F3} µJ (45 nm: 0.9 pJ/AC, 4.6 pJ/MAC)");
        table.AddRow("latency", $"{MsPerBatch:F2} ms / batch of {Batch}, {MsPerImage:F3} ms / image");
        table.AddRow("peak managed memory", $"{PeakManagedBytes / 1048576.0:F1} MiB (process peak RSS {PeakResidentBytes / 1048576.0:F0} MiB)");
        AnsiConsole.Write(table);
        var layers = new Table().Border(TableBorder.Simple).AddColumn("layer").AddColumn("input").AddColumn(new TableColumn("firing rate").RightAligned())
            .AddColumn(new TableColumn("MACs/img").RightAligned()).AddColumn(new TableColumn("ACs/img").RightAligned());
        foreach (var l in Cost.Layers)
            layers.AddRow(l.Name, l.SpikeInput ? "spikes" : "real", l.SpikeInput ? $"{l.FiringRate:P1}" : "-", $"{l.MacsPerImage / 1e6:F3} M", $"{l.AcsPerImage / 1e6:F3} M");
        AnsiConsole.Write(layers);
        Console.WriteLine($"data: {Data}");
    }

    public JsonObject ToJson() => new()
    {
        ["model"] = Model,
        ["data"] = Data,
        ["test_accuracy"] = Accuracy,
        ["parameters"] = Cost.Parameters,
        ["model_size_bytes"] = Cost.SizeBytes,
        ["sops_per_image"] = Cost.SopsPerImage,
        ["acs_per_image"] = Cost.AcsPerImage,
        ["macs_per_image"] = Cost.MacsPerImage,
        ["energy_uj_per_image"] = Cost.MicrojoulesPerImage,
        ["latency_ms_per_batch"] = MsPerBatch,
        ["latency_ms_per_image"] = MsPerImage,
        ["batch"] = Batch,
        ["peak_managed_bytes"] = PeakManagedBytes,
        ["peak_rss_bytes"] = PeakResidentBytes,
    };
}
