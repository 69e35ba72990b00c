// Builds the `snn` command tree: train, eval, demo, info, bench.
using System.CommandLine;

namespace Snn.Cli;

internal static class Commands
{
    public static int Run(string[] args)
    {
        var threads = new Option<int?>("--threads") { Description = "CPU threads for the kernels (default: all cores)", Recursive = true };
        var root = new RootCommand("SnnNet: train, compress and deploy spiking neural networks in pure .NET.")
        {
            TrainCommand.Create(),
            EvalCommand.Create(),
            DemoCommand.Create(),
            InfoCommand.Create(),
            BenchCommand.Create(),
        };
        root.Options.Add(threads);
        var parsed = root.Parse(args);
        if (parsed.GetValue(threads) is int n) Parallelism.Threads = n;
        try
        {
            // Our own handler below prints one line for the errors a user can fix; anything else is a bug and keeps its trace.
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or ArithmeticException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"snn: {e.Message}");
            return 2;
        }
    }
}
