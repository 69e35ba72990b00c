// Batch normalisation over the channel dim, with running statistics for evaluation.
using Snn.Kernels;

namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// y = (x − μ)/√(σ² + ε)·γ + β per channel. x is viewed as [B, C, S]: <paramref name="channelDim"/> splits the
    /// shape into everything before (B, so T and N share statistics as SpikingJelly's merged T·N) and after (S).
    /// Training uses batch statistics and updates the running ones in place (PyTorch's momentum convention,
    /// unbiased running variance); evaluation uses the running ones. γ, β [C].
    /// </summary>
    public static Variable BatchNorm(Variable x, Variable gamma, Variable beta, Tensor runningMean, Tensor runningVar,
        int channelDim, bool training, float epsilon = 1e-5f, float momentum = 0.1f)
    {
        var g = BatchNormShape(x, gamma, beta, runningMean, runningVar, channelDim);
        int channels = g.Channels;
        var input = x.Data.Contiguous();
        var y = Tensor.Uninitialized(input.ShapeArray());
        if (!training)
        {
            BatchNormKernel.ForwardEval(input.Span, gamma.Data.Span, beta.Data.Span, runningMean.Span, runningVar.Span, g, epsilon, y.Span);
            return Variable.FromOp(y, [x, gamma, beta], gy => BackwardEval(gy, x, gamma, beta, input, runningMean, runningVar, g, epsilon));
        }
        var mean = Tensor.Zeros(channels);
        var invStd = Tensor.Zeros(channels);
        BatchNormKernel.ForwardTrain(input.Span, gamma.Data.Span, beta.Data.Span, g, epsilon, momentum, y.Span, mean.Span, invStd.Span, runningMean.Span, runningVar.Span);
        return Variable.FromOp(y, [x, gamma, beta], gy =>
        {
            var gx = Tensor.Uninitialized(input.ShapeArray());
            var gGamma = Tensor.Zeros(channels);
            var gBeta = Tensor.Zeros(channels);
            BatchNormKernel.Backward(gy.Contiguous().Span, input.Span, gamma.Data.Span, mean.Span, invStd.Span, g, gx.Span, gGamma.Span, gBeta.Span);
            x.AccumulateGrad(gx);
            gamma.AccumulateGrad(gGamma);
            beta.AccumulateGrad(gBeta);
        });
    }

    /// <summary>x viewed as [B, C, S] around <paramref name="channelDim"/>; throws when γ, β or the running stats do not have C values.</summary>
    private static BatchNormGeometry BatchNormShape(Variable x, Variable gamma, Variable beta, Tensor runningMean, Tensor runningVar, int channelDim)
    {
        int c = x.Data.NormalizeDim(channelDim);
        int channels = x.Data.Shape[c];
        if (gamma.Data.Length != channels || beta.Data.Length != channels || runningMean.Length != channels || runningVar.Length != channels)
            throw new ArgumentException($"BatchNorm: input {Tensor.ShapeText(x.Data.Shape)} has {channels} channels at dim {c}; γ {Tensor.ShapeText(gamma.Data.Shape)}, β {Tensor.ShapeText(beta.Data.Shape)} and running stats must match.");
        return new BatchNormGeometry(Tensor.ElementCount(x.Data.Shape[..c]), channels, Tensor.ElementCount(x.Data.Shape[(c + 1)..]));
    }

    /// <summary>In eval the statistics are constants: y = x·a + b with a = γ/√(var + ε), so ∂x = ∂y·a.</summary>
    private static void BackwardEval(Tensor gy, Variable x, Variable gamma, Variable beta, Tensor input, Tensor runningMean, Tensor runningVar,
        BatchNormGeometry g, float epsilon)
    {
        var dy = gy.Contiguous().Span;
        var xs = input.Span;
        var gx = Tensor.ZerosLike(input);
        var gGamma = new double[g.Channels];
        var gBeta = new double[g.Channels];
        for (int b = 0; b < g.Batch; b++)
            for (int ch = 0; ch < g.Channels; ch++)
            {
                float invStd = 1f / MathF.Sqrt(runningVar.Span[ch] + epsilon);
                float a = gamma.Data.Span[ch] * invStd;
                int start = (b * g.Channels + ch) * g.Spatial;
                for (int s = start; s < start + g.Spatial; s++)
                {
                    gx.Span[s] = dy[s] * a;
                    gGamma[ch] += dy[s] * (xs[s] - runningMean.Span[ch]) * invStd;
                    gBeta[ch] += dy[s];
                }
            }
        x.AccumulateGrad(gx);
        gamma.AccumulateGrad(new Tensor(gGamma.Select(v => (float)v).ToArray(), g.Channels));
        beta.AccumulateGrad(new Tensor(gBeta.Select(v => (float)v).ToArray(), g.Channels));
    }
}
