// A transformer block fed one time step at a time (carried membranes) gives the multi-step output exactly.
using Snn.Autograd;
using Snn.Layers;
using Snn.Layers.Attention;
using Snn.Layers.Models;

namespace Snn.Tests.Transformers;

public class StepByStepTests
{
    private const int TimeSteps = 4, Batch = 2, Tokens = 5, Dim = 16, Heads = 2;

    private static Module Block(string kind)
    {
        var neuron = new NeuronConfig(Surrogate: "sigmoid");
        var rng = new Rng(7);
        return kind switch
        {
            "spikformer" => new TransformerBlock(new SpikformerAttention(Dim, Heads, neuron, rng), new PostActivationMlp(Dim, 4 * Dim, neuron, rng)),
            "sdt" => new TransformerBlock(new SpikeDrivenAttention(Dim, Heads, neuron, rng), new PreActivationMlp(Dim, 4 * Dim, neuron, rng)),
            _ => new TransformerBlock(new SpikingformerAttention(Dim, Heads, neuron, rng), new PreActivationMlp(Dim, 4 * Dim, neuron, rng, "mlp1", "mlp2")),
        };
    }

    private static Tensor Looped(Module block, Tensor x)
    {
        block.ResetState();
        var steps = Enumerable.Range(0, TimeSteps).Select(t => block.Forward(Variable.Constant(x.Slice(t, 1).Contiguous())).Data).ToArray();
        return Ops.Concat(0, steps);
    }

    [Theory]
    [InlineData("spikformer")]
    [InlineData("sdt")]
    [InlineData("spikingformer")]
    public void Block_MultiStep_Equals_LoopedSingleStep(string kind)
    {
        var block = Block(kind);
        Excitation.Excite(block);
        block.Eval();
        var x = new Rng(11).Uniform(-1f, 1f, TimeSteps, Batch, Tokens, Dim);
        using var _ = GradMode.NoGrad();
        var whole = block.Forward(Variable.Constant(x)).Data;

        block.SetCarryState(true);
        var carried = Looped(block, x);
        block.SetCarryState(false);
        var restarted = Looped(block, x);

        Assert.Equal(whole.ToArray(), carried.ToArray());
        // Without carried membranes every step starts at rest: if that gave the same output, the test could not fail.
        Assert.NotEqual(whole.ToArray(), restarted.ToArray());
    }
}
