// `snn bench`: our kernels and models against PyTorch on the same workloads, shapes, seeds and threads.
using System.CommandLine;
using Snn.Bench;

namespace Snn.Cli;

internal static class BenchCommand
{
    public static Command Create()
    {
        var workload = new Option<string?>("--workload")
        {
            Description = "one workload: " + string.Join(", ", BenchSuite.Workloads.Select(w => w.Name)) + " (default: all but peak)",
        };
        var json = SharedOptions.Json();
        var noTorch = new Option<bool>("--no-torch") { Description = "skip the PyTorch peer (bench/torch_bench.py run by /usr/bin/python3)" };
        var noScaling = new Option<bool>("--no-scaling") { Description = "skip the one-thread runs that the scaling columns compare with" };
        var reps = new Option<int>("--reps") { Description = "timed repetitions per figure, at least (figures under 0.5 s in all get up to 4× as many; the median is reported)", DefaultValueFactory = _ => 7 };
        var command = new Command("bench", "Time training steps, inference batches, the LIF kernel, GEMM and conv against PyTorch (use --threads N).")
        {
            workload, json, noTorch, noScaling, reps,
        };
        command.SetAction(r =>
        {
            string[] names = r.GetValue(workload) is string one ? [one]
                : BenchSuite.Workloads.Select(w => w.Name).Where(n => n != "peak").ToArray();
            var runner = new BenchRunner(Repetitions: Math.Max(1, r.GetValue(reps)));
            var results = BenchSuite.Run(names, Parallelism.Threads, withTorch: !r.GetValue(noTorch), scaling: !r.GetValue(noScaling), Console.Out, runner);
            if (r.GetValue(json) && results.Count > 0)
            {
                var last = results[0].ToJson();
                last["rows"] = new System.Text.Json.Nodes.JsonArray(results.Select(x => (System.Text.Json.Nodes.JsonNode)x.ToJson()).ToArray());
                Console.WriteLine(last.ToJsonString());
            }
            return 0;
        });
        return command;
    }
}
