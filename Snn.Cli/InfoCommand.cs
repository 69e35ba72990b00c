// `snn info`: parameters per layer and in total, without training.
using System.CommandLine;
using System.Text.Json.Nodes;
using Snn.Layers.Models;
using Spectre.Console;

namespace Snn.Cli;

internal static class InfoCommand
{
    public static Command Create()
    {
        var o = new ModelOptions();
        var json = SharedOptions.Json();
        var command = new Command("info", "Print a zoo model's parameters per layer and in total.") { json };
        o.AddTo(command);
        command.SetAction(r =>
        {
            var model = ModelZoo.Create(o.Build(r));
            var rows = model.NamedParameters().Select(p => (p.name, shape: Tensor.ShapeText(p.parameter.Data.Shape), count: p.parameter.Data.Length)).ToList();
            if (r.GetValue(json))
            {
                Console.WriteLine(new JsonObject
                {
                    ["model"] = model.Architecture.ToString(),
                    ["parameters"] = model.ParameterCount(),
                    ["layers"] = new JsonArray(rows.Select(x => (JsonNode)new JsonObject { ["name"] = x.name, ["shape"] = x.shape, ["parameters"] = x.count }).ToArray()),
                }.ToJsonString());
                return 0;
            }
            var table = new Table().Border(TableBorder.Simple).AddColumn("parameter").AddColumn("shape").AddColumn(new TableColumn("count").RightAligned());
            foreach (var (name, shape, count) in rows) table.AddRow(Markup.Escape(name), Markup.Escape(shape), count.ToString("N0"));
            AnsiConsole.Write(table);
            Console.WriteLine($"{model.Architecture}: {model.ParameterCount():N0} parameters");
            return 0;
        });
        return command;
    }
}
