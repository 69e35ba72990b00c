// The options that pick and size a zoo model, shared by train, info and demo.
using System.CommandLine;
using System.CommandLine.Parsing;
using Snn.Layers.Models;

namespace Snn.Cli;

internal sealed class ModelOptions
{
    private readonly Option<string> _model = new("--model") { Description = "zoo model: " + string.Join(", ", ModelZoo.Names), DefaultValueFactory = _ => "csnn" };
    private readonly Option<string> _channels = new("--channels") { Description = "csnn conv channels, comma separated", DefaultValueFactory = _ => "32,64" };
    private readonly Option<int> _timesteps = new("--timesteps") { Description = "simulation time steps T", DefaultValueFactory = _ => 4 };
    private readonly Option<int> _depth = new("--depth") { Description = "transformer blocks", DefaultValueFactory = _ => 2 };
    private readonly Option<int> _dim = new("--dim") { Description = "transformer embedding dim", DefaultValueFactory = _ => 64 };
    private readonly Option<int> _heads = new("--heads") { Description = "attention heads", DefaultValueFactory = _ => 4 };
    private readonly Option<string> _input = new("--input") { Description = "input size C,H,W", DefaultValueFactory = _ => "1,28,28" };
    private readonly Option<int> _classes = new("--classes") { DefaultValueFactory = _ => 10 };
    private readonly Option<string> _neuron = new("--neuron") { Description = "lif, plif or if", DefaultValueFactory = _ => "lif" };
    private readonly Option<float> _tau = new("--tau") { Description = "membrane time constant", DefaultValueFactory = _ => 2f };
    private readonly Option<float> _threshold = new("--v-th") { Description = "firing threshold v_th", DefaultValueFactory = _ => 1f };
    private readonly Option<bool> _softReset = new("--soft-reset") { Description = "subtract v_th after a spike instead of resetting to 0" };
    private readonly Option<bool> _fireStrict = new("--fire-strict") { Description = "fire on v > v_th instead of v ≥ v_th" };
    private readonly Option<string> _encoding = new("--encoding") { Description = "direct (the image at every step) or poisson (rate-coded spikes)", DefaultValueFactory = _ => "direct" };
    private readonly Option<string?> _surrogate = new("--surrogate") { Description = "atan, sigmoid, rectangle or dspike (default: sigmoid for the transformers, atan for csnn)" };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _model, _channels, _timesteps, _depth, _dim, _heads, _input, _classes, _neuron, _tau, _threshold, _softReset, _fireStrict, _encoding, _surrogate })
            command.Options.Add(o);
    }

    public Architecture Build(ParseResult r)
    {
        int[] Ints(string text, string name)
        {
            try { return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray(); }
            catch (FormatException) { throw new ArgumentException($"{name}: expected comma-separated integers, got '{text}'."); }
        }
        var input = Ints(r.GetValue(_input)!, "--input");
        if (input.Length != 3) throw new ArgumentException($"--input: expected C,H,W, got '{r.GetValue(_input)}'.");
        string model = r.GetValue(_model)!;
        var neuron = new NeuronConfig(r.GetValue(_neuron)!, r.GetValue(_tau), r.GetValue(_threshold), r.GetValue(_softReset) ? null : 0f,
            Surrogate: r.GetValue(_surrogate) ?? ModelZoo.DefaultSurrogate(model), FireStrict: r.GetValue(_fireStrict));
        return new Architecture(model, Ints(r.GetValue(_channels)!, "--channels"), r.GetValue(_timesteps), input,
            r.GetValue(_classes), neuron, r.GetValue(_encoding)!, Depth: r.GetValue(_depth), Dim: r.GetValue(_dim), Heads: r.GetValue(_heads));
    }
}
