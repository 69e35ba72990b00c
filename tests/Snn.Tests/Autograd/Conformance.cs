// Runs every PyTorch-computed conformance case (tests/Snn.Tests/vectors and $SNN_VECTORS) as its own theory row.
using System.Text.Json;
using Snn.Autograd;

namespace Snn.Tests.Autograd;

/// <summary>
/// One row per JSON case (format: vectors/README.md). Forward outputs and the gradients of
/// Σ outputs·upstream are compared element by element with |got − want| ≤ abs + rel·|want|.
/// A case with an unknown op fails: new ops must be implemented, not skipped.
/// </summary>
public class Conformance
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var (label, dir) in Sources())
        {
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Conformance vectors folder not found: {dir}");
            foreach (var file in Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal)) data.Add($"{label}/{Path.GetFileName(file)}");
        }
        return data;
    }

    /// <summary>The shipped cases, and the folder in $SNN_VECTORS when set. Rows are named "label/file.json".</summary>
    private static IEnumerable<(string label, string dir)> Sources()
    {
        yield return ("vectors", Path.Combine(AppContext.BaseDirectory, "vectors"));
        if (Environment.GetEnvironmentVariable("SNN_VECTORS") is { Length: > 0 } extra) yield return ("SNN_VECTORS", extra);
    }

    private static string Resolve(string row)
    {
        int slash = row.IndexOf('/');
        var dir = Sources().First(s => s.label == row[..slash]).dir;
        return Path.Combine(dir, row[(slash + 1)..]);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string file)
    {
        file = Resolve(file);
        var c = VectorCase.Load(file);
        var inputs = c.Inputs.ToDictionary(kv => kv.Key, kv => new Variable(kv.Value, requiresGrad: c.Grads.ContainsKey(kv.Key), kv.Key));
        var outputs = ConformanceOps.Run(c.Op, c.Attrs, inputs);

        foreach (var (name, want) in c.Outputs)
        {
            Assert.True(outputs.ContainsKey(name), $"{Path.GetFileName(file)}: op '{c.Op}' produced no output '{name}'.");
            AssertClose(Path.GetFileName(file), "output " + name, want, outputs[name].Data, c.AbsTol, c.RelTol);
        }
        if (c.Grads.Count == 0) return;

        Variable? total = null;
        foreach (var (name, upstream) in c.Upstream)
        {
            var term = F.SumAll(F.Multiply(outputs[name], Variable.Constant(upstream)));
            total = total is null ? term : F.Add(total, term);
        }
        Assert.NotNull(total);
        total!.Backward();
        foreach (var (name, want) in c.Grads)
        {
            var got = inputs[name].Grad ?? Tensor.ZerosLike(want);
            AssertClose(Path.GetFileName(file), "grad " + name, want, got, c.AbsTol, c.RelTol);
        }
    }

    internal static void AssertClose(string file, string what, Tensor want, Tensor got, double abs, double rel)
    {
        Assert.True(want.SameShape(got), $"{file}: {what} shape {Tensor.ShapeText(got.Shape)}, expected {Tensor.ShapeText(want.Shape)}.");
        var w = want.ToArray();
        var g = got.ToArray();
        int bad = 0, first = -1;
        for (int i = 0; i < w.Length; i++)
            if (!(Math.Abs(g[i] - w[i]) <= abs + rel * Math.Abs(w[i]))) { bad++; if (first < 0) first = i; }
        Assert.True(bad == 0, $"{file}: {what}: {bad} of {w.Length} values off; first at {first}: got {(first >= 0 ? g[first] : 0)}, want {(first >= 0 ? w[first] : 0)}.");
    }
}

/// <summary>One parsed conformance file.</summary>
internal sealed record VectorCase(string Op, JsonElement Attrs, Dictionary<string, Tensor> Inputs, Dictionary<string, Tensor> Outputs,
    Dictionary<string, Tensor> Upstream, Dictionary<string, Tensor> Grads, double AbsTol, double RelTol)
{
    public static VectorCase Load(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var root = doc.RootElement.Clone();
        Dictionary<string, Tensor> Tensors(string key) => root.TryGetProperty(key, out var e)
            ? e.EnumerateObject().ToDictionary(p => p.Name, p => ReadTensor(p.Value))
            : [];
        var tol = root.TryGetProperty("tol", out var t) ? t : default;
        return new VectorCase(
            root.GetProperty("op").GetString()!,
            root.TryGetProperty("attrs", out var attrs) ? attrs : default,
            Tensors("inputs"), Tensors("outputs"), Tensors("upstream"), Tensors("grads"),
            tol.ValueKind == JsonValueKind.Object ? tol.GetProperty("abs").GetDouble() : 1e-4,
            tol.ValueKind == JsonValueKind.Object ? tol.GetProperty("rel").GetDouble() : 1e-4);
    }

    private static Tensor ReadTensor(JsonElement e)
    {
        var shape = e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        var data = e.GetProperty("data").EnumerateArray().Select(x => x.GetSingle()).ToArray();
        return new Tensor(data, shape);
    }
}
