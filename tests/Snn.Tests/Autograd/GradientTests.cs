// Every differentiable op's backward agrees with central differences.
using Snn.Autograd;

namespace Snn.Tests.Autograd;

public class GradientTests
{
    private static readonly Rng R = new(7);

    private static Tensor Rand(params int[] shape) => R.Uniform(-1f, 1f, shape);

    private static Tensor Positive(params int[] shape) => R.Uniform(0.5f, 2f, shape);

    [Fact] public void Add_Broadcast() => GradCheck.Check("Add", v => F.Add(v[0], v[1]), Rand(2, 3, 4), Rand(3, 1));
    [Fact] public void Subtract_Broadcast() => GradCheck.Check("Subtract", v => F.Subtract(v[0], v[1]), Rand(4), Rand(2, 3, 4));
    [Fact] public void Multiply_Broadcast() => GradCheck.Check("Multiply", v => F.Multiply(v[0], v[1]), Rand(2, 3, 4), Rand(1, 3, 1));
    [Fact] public void Divide_Broadcast() => GradCheck.Check("Divide", v => F.Divide(v[0], v[1]), Rand(2, 3), Positive(3));
    [Fact] public void Affine() => GradCheck.Check("Affine", v => F.Affine(v[0], -1.5f, 0.25f), Rand(5, 2));
    [Fact] public void Exp() => GradCheck.Check("Exp", v => F.Exp(v[0]), Rand(3, 4));
    [Fact] public void Log() => GradCheck.Check("Log", v => F.Log(v[0]), Positive(3, 4));
    [Fact] public void Sigmoid() => GradCheck.Check("Sigmoid", v => F.Sigmoid(v[0]), Rand(3, 4));
    [Fact] public void Relu() => GradCheck.Check("Relu", v => F.Relu(v[0]), new Tensor([-1f, -0.5f, 0.3f, 0.8f, 1.5f, -2f], 2, 3));
    [Fact] public void Sum_OverDims() => GradCheck.Check("Sum", v => F.Sum(v[0], [0, 2]), Rand(2, 3, 4));
    [Fact] public void Mean_KeepDims() => GradCheck.Check("Mean", v => F.Mean(v[0], [-1], keepDims: true), Rand(2, 3, 4));
    [Fact] public void Permute() => GradCheck.Check("Permute", v => F.Permute(v[0], 2, 0, 1), Rand(2, 3, 4));
    [Fact] public void Reshape() => GradCheck.Check("Reshape", v => F.Reshape(v[0], 4, -1), Rand(2, 3, 4));
    [Fact] public void Concat_MiddleDim() => GradCheck.Check("Concat", v => F.Concat(1, v[0], v[1]), Rand(2, 3, 2), Rand(2, 1, 2));
    [Fact] public void Stack() => GradCheck.Check("Stack", v => F.Stack(1, v[0], v[1]), Rand(2, 3), Rand(2, 3));
    [Fact] public void RepeatTime() => GradCheck.Check("RepeatTime", v => F.RepeatTime(v[0], 3), Rand(2, 4));
    [Fact] public void Slice() => GradCheck.Check("Slice", v => F.Slice(v[0], 1, 2), Rand(4, 3));
    [Fact] public void MatMul_Batched() => GradCheck.Check("MatMul", v => F.MatMul(v[0], v[1]), Rand(2, 3, 4), Rand(2, 4, 5));
    [Fact] public void MatMul_SharedRightOperand() => GradCheck.Check("MatMul", v => F.MatMul(v[0], v[1]), Rand(2, 3, 4), Rand(4, 5));
    [Fact] public void Linear_WithLeadingDims() => GradCheck.Check("Linear", v => F.Linear(v[0], v[1], v[2]), Rand(2, 3, 4), Rand(5, 4), Rand(5));
    [Fact] public void Softmax() => GradCheck.Check("Softmax", v => F.Softmax(v[0]), Rand(3, 5));
    [Fact] public void LogSoftmax() => GradCheck.Check("LogSoftmax", v => F.LogSoftmax(v[0]), Rand(3, 5));
    [Fact] public void CrossEntropy_LabelSmoothing() => GradCheck.Check("CrossEntropy", v => F.CrossEntropy(v[0], [1, 0, 4], 0.1f), Rand(3, 5));
    [Fact] public void SpikingSelfAttention() => GradCheck.Check("SSA", v => F.SpikingSelfAttention(v[0], v[1], v[2], 0.125f), Rand(2, 3, 4), Rand(2, 3, 4), Rand(2, 3, 4));

    [Fact] public void Conv2d_Stride1Pad1() => GradCheck.Check("Conv2d", v => F.Conv2d(v[0], v[1], v[2], 1, 1), Rand(2, 3, 5, 5), Rand(4, 3, 3, 3), Rand(4));
    [Fact] public void Conv2d_Stride2_TimeMajorInput() => GradCheck.Check("Conv2d", v => F.Conv2d(v[0], v[1], null, 2, 0), Rand(2, 2, 2, 7, 7), Rand(3, 2, 3, 3));
    [Fact] public void Conv2d_Pointwise() => GradCheck.Check("Conv2d", v => F.Conv2d(v[0], v[1], v[2]), Rand(2, 4, 3, 3), Rand(5, 4, 1, 1), Rand(5));
    [Fact] public void MaxPool2d_Kernel3Stride2Pad1() => GradCheck.Check("MaxPool2d", v => F.MaxPool2d(v[0], 3, 2, 1), Distinct(1, 2, 6, 7));
    [Fact] public void AvgPool2d() => GradCheck.Check("AvgPool2d", v => F.AvgPool2d(v[0], 2), Rand(2, 3, 4, 6));
    [Fact] public void GlobalAvgPool2d() => GradCheck.Check("GlobalAvgPool2d", v => F.GlobalAvgPool2d(v[0]), Rand(2, 3, 4, 5));

    [Fact]
    public void BatchNorm_Training_ThroughBatchStatistics()
    {
        // Gradients flow through the batch mean and variance too; running statistics are side effects.
        GradCheck.Check("BatchNorm(train)", v => F.BatchNorm(v[0], v[1], v[2], Tensor.Zeros(3), Tensor.Ones(3), -3, training: true),
            5e-2, Rand(2, 2, 3, 2, 2), Rand(3), Rand(3));
    }

    [Fact]
    public void BatchNorm_Eval_WithRunningStatistics()
    {
        var mean = new Tensor([0.1f, -0.2f, 0.3f], 3);
        var variance = new Tensor([0.5f, 1.5f, 2f], 3);
        GradCheck.Check("BatchNorm(eval)", v => F.BatchNorm(v[0], v[1], v[2], mean, variance, 1, training: false), Rand(2, 3, 2, 2), Rand(3), Rand(3));
    }

    /// <summary>
    /// Distinct values in [−1, 1] spaced more than 2ε = 0.02 apart, so a ±ε nudge never changes which element is a
    /// window's maximum (where the max is not differentiable).
    /// </summary>
    private static Tensor Distinct(params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        var order = Enumerable.Range(0, t.Length).ToArray();
        new Rng(5).Shuffle(order.AsSpan());
        for (int i = 0; i < order.Length; i++) t.Span[i] = -1f + 2f * order[i] / t.Length;
        return t;
    }

    [Fact]
    public void ScoreMask_WeightGradientIsMasked()
    {
        // The mask is piecewise constant in the scores, so only the weight path has a true derivative to check.
        var scores = Rand(12);
        GradCheck.Check("ScoreMask", v => F.ScoreMask(v[0], Variable.Constant(scores), 0.5f), Rand(12));
    }

    [Fact]
    public void GradientsAccumulate_WhenAnInputIsUsedTwice()
    {
        var x = Variable.Parameter(new Tensor([3f], 1));
        F.SumAll(F.Multiply(x, x)).Backward();
        Assert.Equal(6f, x.Grad!.Item(), 5);
    }
}
