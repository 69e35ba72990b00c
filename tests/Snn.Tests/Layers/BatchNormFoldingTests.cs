// BN folded into the preceding conv/linear for inference gives the unfolded eval output within float rounding.
using Snn.Autograd;
using Snn.Layers;

namespace Snn.Tests.Layers;

public class BatchNormFoldingTests
{
    private static Tensor Random(int seed, float low, float high, params int[] shape) => new Rng((ulong)seed).Uniform(low, high, shape);

    /// <summary>Gives the BN non-trivial running statistics and affine parameters, then puts it in eval mode.</summary>
    private static BatchNorm TrainedBn(int channels, int channelDim, int seed)
    {
        var bn = new BatchNorm(channels, channelDim);
        Random(seed, 0.5f, 2f, channels).Span.CopyTo(bn.Weight.Data.Span);
        Random(seed + 1, -1f, 1f, channels).Span.CopyTo(bn.Bias.Data.Span);
        Random(seed + 2, -0.5f, 0.5f, channels).Span.CopyTo(bn.RunningMean.Span);
        Random(seed + 3, 0.05f, 3f, channels).Span.CopyTo(bn.RunningVar.Span);
        bn.Eval();
        return bn;
    }

    private static void AssertClose(Tensor want, Tensor got)
    {
        Assert.Equal(want.ShapeArray(), got.ShapeArray());
        var (w, g) = (want.Contiguous().Span.ToArray(), got.Contiguous().Span.ToArray());
        for (int i = 0; i < w.Length; i++) Assert.True(Math.Abs(w[i] - g[i]) <= 1e-5f * (1 + Math.Abs(w[i])), $"[{i}] {w[i]} vs {g[i]}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FoldBatchNorm_PreservesEvalOutput_Conv(bool bias)
    {
        var conv = new Conv2d(3, 5, 3, padding: 1, bias: bias, rng: new Rng(4));
        var bn = TrainedBn(5, -3, 10);
        var x = Variable.Constant(Random(5, -1f, 1f, 2, 3, 3, 7, 6));
        var want = bn.Forward(conv.Forward(x));
        Variable got;
        using (GradMode.NoGrad()) got = BatchNormFolding.ConvBn(conv, bn, x);
        AssertClose(want.Data, got.Data);
        Assert.NotEqual(want.Data.Span.ToArray(), got.Data.Span.ToArray());
    }

    [Fact]
    public void FoldBatchNorm_PreservesEvalOutput_Linear()
    {
        var linear = new Linear(16, 24, rng: new Rng(6));
        var bn = TrainedBn(24, -1, 20);
        var x = Variable.Constant(Random(7, -1f, 1f, 2, 3, 5, 16));
        var want = bn.Forward(linear.Forward(x));
        Variable got;
        using (GradMode.NoGrad()) got = BatchNormFolding.LinearBn(linear, bn, x);
        AssertClose(want.Data, got.Data);
    }

    [Fact]
    public void Folding_IsNotUsedInTrainingMode_OrWithAGraph()
    {
        var linear = new Linear(8, 4, rng: new Rng(8));
        var bn = TrainedBn(4, -1, 30);
        var x = Variable.Constant(Random(9, -1f, 1f, 6, 8));
        // With grad mode on, the result must come from the real BN op (bit-identical, and differentiable).
        var withGraph = BatchNormFolding.LinearBn(linear, bn, x);
        Assert.False(withGraph.IsLeaf);
        Assert.Equal(bn.Forward(linear.Forward(x)).Data.Span.ToArray(), withGraph.Data.Span.ToArray());
        bn.Train();
        using (GradMode.NoGrad())
        {
            var before = bn.RunningMean.Span.ToArray();
            BatchNormFolding.LinearBn(linear, bn, x);
            Assert.NotEqual(before, bn.RunningMean.Span.ToArray());
        }
    }
}
