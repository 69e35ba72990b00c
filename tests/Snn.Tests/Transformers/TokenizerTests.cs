// The tokenizers turn 32×32 images into 8×8 = 64 tokens and 28×28 into 7×7 = 49, time-major.
using Snn.Autograd;
using Snn.Layers.Models;

namespace Snn.Tests.Transformers;

public class TokenizerTests
{
    [Theory]
    [InlineData("spikformer", 32, 64)]
    [InlineData("spikformer", 28, 49)]
    [InlineData("sdt", 32, 64)]
    [InlineData("sdt", 28, 49)]
    [InlineData("spikingformer", 32, 64)]
    [InlineData("spikingformer", 28, 49)]
    public void Tokenizer_MakesPaperTokenCount(string model, int side, int tokens)
    {
        var net = ModelZoo.Create(new Architecture(model, [], 2, [1, side, side], 10, new NeuronConfig(), Depth: 1, Dim: 16, Heads: 2));
        var tokenizer = net.Children().Single(c => c.name == "patch_embed").module;
        using var _ = GradMode.NoGrad();
        var y = tokenizer.Forward(Variable.Constant(new Rng(3).Uniform(0f, 1f, 3, 1, side, side)));
        Assert.Equal([2, 3, tokens, 16], y.Shape);
    }

    [Fact]
    public void Spikformer_Rejects_DimNotDivisibleByHeads() =>
        Assert.Throws<ArgumentException>(() => ModelZoo.Create(new Architecture("spikformer", [], 2, [1, 28, 28], 10, new NeuronConfig(), Depth: 1, Dim: 24, Heads: 5)));
}
