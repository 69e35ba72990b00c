// Builds a model from its architecture description.
namespace Snn.Layers.Models;

public static class ModelZoo
{
    public static IReadOnlyList<string> Names { get; } = ["csnn", "spikformer", "sdt", "spikingformer"];

    public static SpikingClassifier Create(Architecture architecture, ulong seed = 0) => architecture.Model switch
    {
        "csnn" => new Csnn(architecture, seed),
        "spikformer" => new Spikformer(architecture, seed),
        "sdt" => new SpikeDrivenTransformer(architecture, seed),
        "spikingformer" => new Spikingformer(architecture, seed),
        _ => throw new ArgumentException($"Unknown model '{architecture.Model}'; the zoo has: {string.Join(", ", Names)}."),
    };

    /// <summary>
    /// The surrogate a model is trained with when none is asked for: the three transformers use SpikingJelly's
    /// default (sigmoid, α = 4), as their papers' code does; csnn keeps atan.
    /// </summary>
    public static string DefaultSurrogate(string model) => model is "spikformer" or "sdt" or "spikingformer" ? "sigmoid" : "atan";
}
