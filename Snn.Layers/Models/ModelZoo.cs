// Builds a model from its architecture description.
namespace Snn.Layers.Models;

public static class ModelZoo
{
    public static IReadOnlyList<string> Names { get; } = ["csnn"];

    public static SpikingClassifier Create(Architecture architecture, ulong seed = 0) => architecture.Model switch
    {
        "csnn" => new Csnn(architecture, seed),
        _ => throw new ArgumentException($"Unknown model '{architecture.Model}'; the zoo has: {string.Join(", ", Names)}."),
    };
}
