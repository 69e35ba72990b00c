// A model's architecture as data: what the model zoo builds from, and what model files and arch.json carry.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Snn.Layers.Models;

/// <summary>
/// The neuron settings of a model (see <see cref="Snn.Kernels.NeuronSpec"/>). <see cref="FireStrict"/> fires on
/// h &gt; v_th instead of h ≥ v_th.
/// </summary>
public sealed record NeuronConfig(string Type = "lif", float Tau = 2f, float VThreshold = 1f, float? VReset = 0f,
    bool DecayInput = true, bool DetachReset = true, string Surrogate = "atan", float? Alpha = null, bool FireStrict = false)
{
    public Snn.Kernels.NeuronSpec ToSpec(float? vThreshold = null)
    {
        var surrogate = Snn.Kernels.Surrogate.Parse(Surrogate, Alpha);
        var spec = Type switch
        {
            "lif" or "plif" => Snn.Kernels.NeuronSpec.Lif(Tau, vThreshold ?? VThreshold, VReset, DecayInput, DetachReset, surrogate),
            "if" => Snn.Kernels.NeuronSpec.If(vThreshold ?? VThreshold, VReset, DetachReset, surrogate),
            _ => throw new InvalidDataException($"Architecture: unknown neuron type '{Type}' (expected lif, plif or if)."),
        };
        return spec with { FireStrict = FireStrict };
    }

    /// <summary>A neuron layer with these settings (a learned-tau PLIF for "plif"), optionally with another threshold.</summary>
    public Snn.Layers.Neurons.SpikingNeuron CreateLayer(float? vThreshold = null) => Type == "plif"
        ? new Snn.Layers.Neurons.ParametricLif(Tau, vThreshold ?? VThreshold, VReset, DecayInput, ToSpec().Surrogate, FireStrict)
        : new Snn.Layers.Neurons.SpikingNeuron(ToSpec(vThreshold));
}

/// <summary>
/// Everything needed to rebuild a model: the zoo name and its sizes. Serialised as the JSON of
/// <c>arch.json</c> (PyTorch side) and of our model files. Unknown fields are ignored; missing ones take defaults.
/// </summary>
public sealed record Architecture(
    string Model,
    int[] Channels,
    int TimeSteps,
    int[] Input,
    int Classes,
    NeuronConfig Neuron,
    string Encoding = "direct",
    int Depth = 2,
    int Dim = 64,
    int Heads = 4)
{
    public static Architecture Csnn(int[]? channels = null, int timeSteps = 4, NeuronConfig? neuron = null) =>
        new("csnn", channels ?? [32, 64], timeSteps, [1, 28, 28], 10, neuron ?? new NeuronConfig());

    /// <summary>
    /// Checks the sizes a spiking transformer needs: input [C, H, W] of at least 4×4 (two stride-2 pools), D divisible
    /// by 8 (the tokenizer's first stage has D/8 channels) and by the number of heads, at least one block.
    /// </summary>
    public void ValidateTransformer()
    {
        if (Input.Length != 3 || Input[1] < 4 || Input[2] < 4)
            throw new ArgumentException($"{Model}: input must be C,H,W with H, W ≥ 4, got {string.Join(",", Input)}.");
        if (Dim < 8 || Dim % 8 != 0) throw new ArgumentException($"{Model}: dim must be a positive multiple of 8, got {Dim}.");
        if (Heads < 1 || Dim % Heads != 0) throw new ArgumentException($"{Model}: dim {Dim} must be divisible by heads {Heads}.");
        if (Depth < 1) throw new ArgumentException($"{Model}: depth must be ≥ 1, got {Depth}.");
        if (TimeSteps < 1) throw new ArgumentException($"{Model}: timesteps must be ≥ 1, got {TimeSteps}.");
    }

    public static Architecture Parse(string json, string source = "architecture")
    {
        JsonNode root;
        try { root = JsonNode.Parse(json) ?? throw new InvalidDataException($"{source}: empty JSON."); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not valid JSON: {e.Message}"); }
        string model = root["model"]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: missing \"model\".");
        var n = root["neuron"];
        var neuron = new NeuronConfig(
            n?["type"]?.GetValue<string>() ?? "lif",
            n?["tau"]?.GetValue<float>() ?? 2f,
            n?["v_th"]?.GetValue<float>() ?? 1f,
            n is not null && n.AsObject().ContainsKey("v_reset") ? n["v_reset"]?.GetValue<float>() : 0f,
            n?["decay_input"]?.GetValue<bool>() ?? true,
            n?["detach_reset"]?.GetValue<bool>() ?? true,
            n?["surrogate"]?.GetValue<string>() ?? "atan",
            n?["alpha"]?.GetValue<float>(),
            n?["fire_strict"]?.GetValue<bool>() ?? false);
        return new Architecture(
            model,
            root["channels"]?.AsArray().Select(c => c!.GetValue<int>()).ToArray() ?? [],
            root["timesteps"]?.GetValue<int>() ?? 4,
            root["input"]?.AsArray().Select(c => c!.GetValue<int>()).ToArray() ?? [1, 28, 28],
            root["classes"]?.GetValue<int>() ?? 10,
            neuron,
            root["encoding"]?.GetValue<string>() ?? "direct",
            root["depth"]?.GetValue<int>() ?? 2,
            root["dim"]?.GetValue<int>() ?? 64,
            root["heads"]?.GetValue<int>() ?? 4);
    }

    public string ToJson()
    {
        var neuron = new JsonObject
        {
            ["type"] = Neuron.Type, ["tau"] = Neuron.Tau, ["v_th"] = Neuron.VThreshold, ["v_reset"] = Neuron.VReset,
            ["decay_input"] = Neuron.DecayInput, ["detach_reset"] = Neuron.DetachReset, ["surrogate"] = Neuron.Surrogate,
        };
        if (Neuron.Alpha is float a) neuron["alpha"] = a;
        if (Neuron.FireStrict) neuron["fire_strict"] = true;
        var root = new JsonObject
        {
            ["model"] = Model,
            ["channels"] = new JsonArray(Channels.Select(c => (JsonNode)c).ToArray()),
            ["timesteps"] = TimeSteps,
            ["input"] = new JsonArray(Input.Select(c => (JsonNode)c).ToArray()),
            ["classes"] = Classes,
            ["neuron"] = neuron,
            ["encoding"] = Encoding,
            ["depth"] = Depth,
            ["dim"] = Dim,
            ["heads"] = Heads,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public override string ToString() => Model switch
    {
        "csnn" => $"csnn channels {string.Join(",", Channels)}, T={TimeSteps}",
        _ => string.Create(CultureInfo.InvariantCulture, $"{Model}-{Depth}-{Dim} heads {Heads}, T={TimeSteps}"),
    };
}
