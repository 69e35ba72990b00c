// Reads one PyTorch conformance vector (tests/Snn.Tests/vectors/*.json) for the kernel tests' convention checks.
using System.Text.Json;

namespace Snn.Tests.Kernels;

/// <summary>One case: named tensors under inputs, outputs, upstream and grads, plus attrs (see vectors/README.md).</summary>
internal sealed class TorchVector(JsonElement root)
{
    public static TorchVector Load(string name) =>
        new(JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "vectors", name + ".json"))).RootElement);

    public float[] Tensor(string section, string name) =>
        root.GetProperty(section).GetProperty(name).GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();

    public int[] Shape(string section, string name) =>
        root.GetProperty(section).GetProperty(name).GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public float Attr(string name) => root.GetProperty("attrs").GetProperty(name).GetSingle();
}
