// Ops without a graph (NoGrad or constant inputs) take inference paths; they must give the graph path's values.
using Snn.Autograd;
using Snn.Kernels;

namespace Snn.Tests.Autograd;

public class InferencePathTests
{
    private static Variable Input(int seed, params int[] shape)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, Tensor.ElementCount(shape)).Select(_ => (float)(random.NextDouble() * 3 - 1)).ToArray();
        return Variable.Parameter(new Tensor(data, shape));
    }

    [Fact]
    public void Neuron_OnRepeatTime_UnderNoGrad_EqualsGraphPath_AndKeepsNoGraph()
    {
        var x = Input(1, 3, 5, 7);
        var spec = NeuronSpec.Lif();
        var want = F.Neuron(F.RepeatTime(x, 4), spec);
        Assert.False(want.IsLeaf);
        using (GradMode.NoGrad())
        {
            var repeated = F.RepeatTime(x, 4);
            Assert.Equal(0, repeated.Data.Strides[0]);
            Assert.Equal(want.Data.Length, repeated.Data.Contiguous().Length);
            var got = F.Neuron(repeated, spec);
            Assert.True(got.IsLeaf);
            Assert.False(got.RequiresGrad);
            Assert.Equal(want.Data.ShapeArray(), got.Data.ShapeArray());
            Assert.Equal(want.Data.Span.ToArray(), got.Data.Span.ToArray());
        }
    }

    [Fact]
    public void RepeatTime_WithOrWithoutAGraph_IsAViewThatCopiesToTheRepeatedValues()
    {
        var x = Input(2, 2, 3);
        float[] want = [.. x.Data.ToArray(), .. x.Data.ToArray(), .. x.Data.ToArray()];
        Tensor view;
        using (GradMode.NoGrad()) view = F.RepeatTime(x, 3).Data;
        var graphView = F.RepeatTime(x, 3).Data;
        Assert.False(view.IsContiguous);
        Assert.False(graphView.IsContiguous);
        Assert.Equal(want, view.Contiguous().Span.ToArray());
        Assert.Equal(want, graphView.Contiguous().Span.ToArray());
    }

    [Fact]
    public void MaxPool2d_UnderNoGrad_EqualsGraphPath()
    {
        var x = Input(3, 2, 3, 9, 8);
        var want = F.MaxPool2d(x, 3, 2, 1);
        Variable got;
        using (GradMode.NoGrad()) got = F.MaxPool2d(x, 3, 2, 1);
        Assert.True(got.IsLeaf);
        Assert.Equal(want.Data.ShapeArray(), got.Data.ShapeArray());
        Assert.Equal(want.Data.Span.ToArray(), got.Data.Span.ToArray());
    }

    [Fact]
    public void SpikingSelfAttention_UnderNoGrad_EqualsGraphPath_ExactlyForSpikes()
    {
        var random = new Random(4);
        Variable Spikes() => Variable.Parameter(new Tensor(Enumerable.Range(0, 2 * 3 * 4 * 9 * 8).Select(_ => random.Next(3) == 0 ? 1f : 0f).ToArray(), 2, 3, 4, 9, 8));
        var (q, k, v) = (Spikes(), Spikes(), Spikes());
        var want = F.SpikingSelfAttention(q, k, v, 0.125f);
        Variable got;
        using (GradMode.NoGrad()) got = F.SpikingSelfAttention(q, k, v, 0.125f);
        Assert.True(got.IsLeaf);
        Assert.Contains(want.Data.Span.ToArray(), x => x > 0.5f);
        Assert.Equal(want.Data.Span.ToArray(), got.Data.Span.ToArray());
    }

    [Theory]
    [InlineData(49, 64, 4)]
    [InlineData(9, 24, 3)]
    public void SpikingSelfAttentionTokens_UnderNoGrad_IsBitIdenticalToComposedGraphPath(int tokens, int dim, int heads)
    {
        var random = new Random(tokens + dim);
        Variable Spikes() => Variable.Parameter(new Tensor(Enumerable.Range(0, 2 * 3 * tokens * dim).Select(_ => random.Next(3) == 0 ? 1f : 0f).ToArray(), 2, 3, tokens, dim));
        var (q, k, v) = (Spikes(), Spikes(), Spikes());
        var want = F.SpikingSelfAttentionTokens(q, k, v, heads, 0.125f);
        Assert.False(want.IsLeaf);
        Variable got;
        using (GradMode.NoGrad()) got = F.SpikingSelfAttentionTokens(q, k, v, heads, 0.125f);
        Assert.True(got.IsLeaf);
        Assert.Equal(want.Data.ShapeArray(), got.Data.ShapeArray());
        Assert.Equal(want.Data.Contiguous().Span.ToArray(), got.Data.Span.ToArray());
    }

    [Fact]
    public void SpikingSelfAttentionKernel_OnRealInputs_MatchesComposedPathWithinRounding()
    {
        var (q, k, v) = (Input(11, 2, 2, 10, 32), Input(12, 2, 2, 10, 32), Input(13, 2, 2, 10, 32));
        var want = F.SpikingSelfAttentionTokens(q, k, v, 2, 0.125f).Data.Contiguous().Span.ToArray();
        float[] got;
        using (GradMode.NoGrad()) got = F.SpikingSelfAttentionTokens(q, k, v, 2, 0.125f).Data.Span.ToArray();
        for (int i = 0; i < want.Length; i++) Assert.Equal(want[i], got[i], 1e-4f);
    }
}
