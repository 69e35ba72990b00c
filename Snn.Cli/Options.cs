// Options shared by several commands.
using System.CommandLine;

namespace Snn.Cli;

internal static class SharedOptions
{
    public static Option<string?> Data() => new("--data") { Description = "Fashion-MNIST folder (IDX files); default: /usr/share/datasets/fashion-mnist, else the subset shipped in data/" };

    public static Option<bool> Json() => new("--json") { Description = "print the result as one JSON object on the last line" };

    public static Option<int> Batch(int defaultValue) => new("--batch") { Description = "batch size", DefaultValueFactory = _ => defaultValue };
}
