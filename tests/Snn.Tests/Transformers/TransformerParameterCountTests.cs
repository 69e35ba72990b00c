// The published CIFAR-10 configurations have the papers' parameter counts and the official state_dict names.
using Snn.Layers.Models;

namespace Snn.Tests.Transformers;

public class TransformerParameterCountTests
{
    private static SpikingClassifier Build(string model, int depth, int dim, int heads) =>
        ModelZoo.Create(new Architecture(model, [], 4, [3, 32, 32], 10, new NeuronConfig(Surrogate: "sigmoid"), Depth: depth, Dim: dim, Heads: heads));

    /// <summary>
    /// <paramref name="official"/> is the count of the official code's modules, added up by hand per layer (SDT
    /// without its two unused 8×8 talking_heads convs); <paramref name="paper"/> is the figure printed in the paper.
    /// </summary>
    [Theory]
    [InlineData("spikformer", 4, 384, 12, 9_324_730, 9.32e6)]
    [InlineData("sdt", 2, 512, 8, 10_233_418, 10.28e6)]
    [InlineData("spikingformer", 4, 384, 12, 9_320_122, 9.32e6)]
    public void PublishedCifar10Config_ParameterCount_MatchesPaperWithinHalfPercent(string model, int depth, int dim, int heads, int official, double paper)
    {
        int count = Build(model, depth, dim, heads).ParameterCount();
        Assert.Equal(official, count);
        Assert.True(Math.Abs(count - paper) / paper < 0.005, $"{model}: {count} parameters vs {paper} in the paper.");
    }

    [Theory]
    [InlineData("spikformer", "block.3.attn.q_linear.weight", new[] { 384, 384 })]
    [InlineData("spikformer", "patch_embed.rpe_conv.weight", new[] { 384, 384, 3, 3 })]
    [InlineData("spikformer", "block.0.mlp.fc2_linear.bias", new[] { 384 })]
    [InlineData("sdt", "block.1.attn.q_conv.weight", new[] { 512, 512, 1, 1 })]
    [InlineData("sdt", "block.0.mlp.fc1_conv.weight", new[] { 2048, 512, 1, 1 })]
    [InlineData("sdt", "patch_embed.proj_conv3.weight", new[] { 512, 256, 3, 3 })]
    [InlineData("spikingformer", "block.2.attn.proj_conv.weight", new[] { 384, 384, 1 })]
    [InlineData("spikingformer", "block.0.mlp.mlp1_conv.weight", new[] { 1536, 384, 1, 1 })]
    [InlineData("spikingformer", "patch_embed.block4_conv.weight", new[] { 384, 384, 3, 3 })]
    public void StateDict_UsesOfficialNamesAndShapes(string model, string name, int[] shape)
    {
        var (depth, dim, heads) = model == "sdt" ? (2, 512, 8) : (4, 384, 12);
        var state = Build(model, depth, dim, heads).StateDict().ToDictionary(s => s.name, s => s.tensor);
        Assert.True(state.ContainsKey(name), $"{model}: no tensor '{name}'.");
        Assert.Equal(shape, state[name].ShapeArray());
    }
}
