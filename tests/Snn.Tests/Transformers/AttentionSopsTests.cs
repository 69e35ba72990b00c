// Attention products are counted as the Spikingformer calculator (SSA) and the SDT paper (SDSA) count them.
using Snn.Autograd;
using Snn.Compression.Accounting;
using Snn.Layers;
using Snn.Layers.Attention;
using Snn.Layers.Models;

namespace Snn.Tests.Transformers;

public class AttentionSopsTests
{
    /// <summary>[1, 1, heads, L, d] spikes where the first <paramref name="ones"/> elements fire.</summary>
    private static Tensor Spikes(int ones, int heads = 2, int tokens = 4, int headDim = 2)
    {
        var t = Tensor.Zeros(1, 1, heads, tokens, headDim);
        for (int i = 0; i < ones; i++) t.Span[i] = 1f;
        return t;
    }

    private static double AcsPerImage(SynapticActivity a) => a.MacsPerSampleStep * a.RateSum;

    [Fact]
    public void Ssa_Acs_Equal_HeadsTokensHeadDimSquared_Times_MinKV_Plus_Q()
    {
        // 16 elements: rates q = 1, k = 0.5, v = 0.25 → heads·L·d²·(min(0.5, 0.25) + 1) = 2·4·4·1.25 = 40.
        var a = AttentionSops.SpikingSelfAttention(Spikes(16), Spikes(8), Spikes(4));
        Assert.True(a.Binary);
        Assert.Equal(40, AcsPerImage(a), 9);
    }

    [Fact]
    public void Sdsa_Acs_Equal_Coincidences_Of_K_And_V()
    {
        var k = Spikes(8);
        var v = Tensor.Zeros(1, 1, 2, 4, 2);
        v.Span[1] = v.Span[6] = v.Span[9] = v.Span[15] = 1f;   // two of them (1, 6) under k's spikes (indices < 8)
        var a = AttentionSops.SpikeDrivenSelfAttention(Spikes(16), k, v);
        Assert.Equal(2, AcsPerImage(a), 9);
    }

    private static ModelReport Record(string model, int images = 4)
    {
        var net = ModelZoo.Create(new Architecture(model, [], 4, [1, 8, 8], 10, new NeuronConfig(Surrogate: "sigmoid"), Depth: 1, Dim: 16, Heads: 2), seed: 1);
        Excitation.Excite(net);
        ModelReport.ClearActivity(net);
        using (GradMode.NoGrad())
        using (ActivityRecorder.Record())
            net.Forward(Variable.Constant(new Rng(5).Uniform(0f, 1f, images, 1, 8, 8)));
        return ModelReport.FromActivity(net, images);
    }

    [Theory]
    [InlineData("sdt", "patch_embed.proj_conv", "")]
    [InlineData("spikingformer", "patch_embed.block0_conv", "head")]
    public void EveryConvAndLinear_ButTheEncoder_SeesOnlySpikes(string model, string encoder, string realHead)
    {
        var report = Record(model);
        Assert.Contains(report.Layers, l => l.Name == "block.0.attn" && l.SpikeInput && l.AcsPerImage > 0);
        foreach (var layer in report.Layers)
            Assert.True(layer.SpikeInput == (layer.Name != encoder && layer.Name != realHead), $"{model}: {layer.Name} spike input {layer.SpikeInput}.");
    }

    [Fact]
    public void Spikformer_ResidualStream_FeedsSpikeCounts_NotSpikes_ToTheNextLinears()
    {
        var report = Record("spikformer");
        Assert.False(report.Layers.Single(l => l.Name == "block.0.attn.q_linear").SpikeInput);
        Assert.True(report.Layers.Single(l => l.Name == "block.0.attn.proj_linear").SpikeInput);
    }
}
