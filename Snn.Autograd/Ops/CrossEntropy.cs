// Cross-entropy of logits against class indices, averaged over the batch.
namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// L = −(1/N) Σₙ log softmax(logitsₙ)[targetₙ]. logits [N, K], targets N class indices in [0, K).
    /// <paramref name="labelSmoothing"/> ε mixes the one-hot target with the uniform distribution: (1−ε)·onehot + ε/K.
    /// A NaN or infinite loss throws, naming the op, because training on it would silently destroy the weights.
    /// </summary>
    public static Variable CrossEntropy(Variable logits, ReadOnlySpan<int> targets, float labelSmoothing = 0f)
    {
        if (logits.Data.Rank != 2) throw new ArgumentException($"CrossEntropy: logits must be [N, K], got {Tensor.ShapeText(logits.Data.Shape)}.");
        int n = logits.Data.Shape[0], k = logits.Data.Shape[1];
        if (targets.Length != n) throw new ArgumentException($"CrossEntropy: {targets.Length} targets for logits {Tensor.ShapeText(logits.Data.Shape)}.");
        if (n == 0) throw new ArgumentException("CrossEntropy: empty batch.");
        var weights = Tensor.Full(labelSmoothing / k, n, k);
        for (int i = 0; i < n; i++)
        {
            if ((uint)targets[i] >= (uint)k) throw new ArgumentException($"CrossEntropy: target {targets[i]} at row {i} is outside [0, {k}).");
            weights[i, targets[i]] += 1f - labelSmoothing;
        }
        var loss = Scale(SumAll(Multiply(LogSoftmax(logits), Variable.Constant(weights))), -1f / n);
        float value = loss.Data.Item();
        if (!float.IsFinite(value)) throw new ArithmeticException($"CrossEntropy: loss is {value} for logits {Tensor.ShapeText(logits.Data.Shape)}.");
        return loss;
    }
}
