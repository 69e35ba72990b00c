// Builds the `snn` command tree.
namespace Snn.Cli;

internal static class Commands
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("snn: no commands yet");
        return 1;
    }
}
