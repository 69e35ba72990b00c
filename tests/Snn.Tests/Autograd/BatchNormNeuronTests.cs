// The fused training batch norm + neurons against the two ops in turn: spikes, gradients and running stats.
using Snn.Autograd;
using Snn.Kernels;
using Snn.Layers;
using Snn.Layers.Neurons;

namespace Snn.Tests.Autograd;

public class BatchNormNeuronTests
{
    private static Tensor Data(int seed, float scale, float offset, params int[] shape)
    {
        var random = new Random(seed);
        return new Tensor(Enumerable.Range(0, Tensor.ElementCount(shape)).Select(_ => (float)(random.NextDouble() * scale + offset)).ToArray(), shape);
    }

    /// <summary>[T, B, C, H, W] with BatchNorm2d (period C·H·W = 96), [T, B, N, C] with BatchNorm1d (period 32), and
    /// a period of 15 that no vector fills (the two ops run instead): every output bit-identical.</summary>
    [Theory]
    [InlineData(new[] { 3, 4, 6, 4, 4 }, -3)]
    [InlineData(new[] { 4, 2, 7, 32 }, -1)]
    [InlineData(new[] { 2, 3, 5, 3 }, -2)]
    public void EqualsBatchNormThenNeuron_BitForBit(int[] shape, int channelDim)
    {
        int channels = shape[shape.Length + channelDim];
        var spec = NeuronSpec.Lif(surrogate: Surrogate.ATan());
        var results = new List<float[]>();
        foreach (bool fused in new[] { false, true })
        {
            var x = Variable.Parameter(Data(1, 4, -1, shape));
            var gamma = Variable.Parameter(Data(2, 1, 0.5f, channels));
            var beta = Variable.Parameter(Data(3, 1, -0.2f, channels));
            var (runningMean, runningVar) = (Data(4, 1, 0, channels), Data(5, 1, 0.5f, channels));
            var spikes = fused
                ? F.BatchNormNeuron(x, gamma, beta, runningMean, runningVar, channelDim, spec)
                : F.Neuron(F.BatchNorm(x, gamma, beta, runningMean, runningVar, channelDim, training: true), spec);
            F.SumAll(F.Multiply(spikes, Variable.Constant(Data(6, 2, -1, shape)))).Backward();
            results.Add([.. spikes.Data.ToArray(), .. x.Grad!.ToArray(), .. gamma.Grad!.ToArray(), .. beta.Grad!.ToArray(),
                .. runningMean.ToArray(), .. runningVar.ToArray()]);
            Assert.Contains(1f, spikes.Data.ToArray());
            Assert.Contains(0f, spikes.Data.ToArray());
        }
        Assert.Equal(results[0], results[1]);
    }

    [Fact]
    public void UnderNoGrad_GivesTheSpikes_AndKeepsNoGraph()
    {
        var x = Variable.Parameter(Data(1, 4, -1, 2, 3, 16));
        var (gamma, beta) = (Variable.Parameter(Tensor.Ones(16)), Variable.Parameter(Tensor.Zeros(16)));
        var want = F.Neuron(F.BatchNorm(x, gamma, beta, Tensor.Zeros(16), Tensor.Ones(16), -1, training: true), NeuronSpec.Lif());
        using (GradMode.NoGrad())
        {
            var got = F.BatchNormNeuron(x, gamma, beta, Tensor.Zeros(16), Tensor.Ones(16), -1, NeuronSpec.Lif());
            Assert.False(got.RequiresGrad);
            Assert.Equal(want.Data.ToArray(), got.Data.ToArray());
        }
    }

    [Fact]
    public void Layer_TrainsThroughTheFusedOp_LikeTheLayersInTurn()
    {
        var (linear, bn, lif) = (new Linear(8, 16, rng: new Rng(1)), BatchNorm.OneD(16), SpikingNeuron.Lif());
        var x = Variable.Constant(Data(7, 2, 0, 4, 5, 8));
        var fused = BatchNormFolding.LinearBnNeuron(linear, bn, lif, x);
        F.SumAll(fused).Backward();
        float[] grad = linear.Weight.Grad!.ToArray(), running = bn.RunningMean.ToArray();
        linear.Weight.Grad = null;
        bn.RunningMean.Span.Clear();
        var composed = lif.Forward(bn.Forward(linear.Forward(x)));
        F.SumAll(composed).Backward();
        Assert.Equal(composed.Data.ToArray(), fused.Data.ToArray());
        Assert.Equal(linear.Weight.Grad!.ToArray(), grad);
        Assert.Equal(bn.RunningMean.ToArray(), running);
    }

    [Fact]
    public void BadShape_NamesTheChannels()
    {
        var x = Variable.Parameter(Tensor.Zeros(2, 3, 16));
        var ex = Assert.Throws<ArgumentException>(() =>
            F.BatchNormNeuron(x, Variable.Parameter(Tensor.Ones(8)), Variable.Parameter(Tensor.Zeros(8)), Tensor.Zeros(8), Tensor.Ones(8), -1, NeuronSpec.Lif()));
        Assert.Contains("16 channels", ex.Message);
    }
}
