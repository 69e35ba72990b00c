// Adam and AdamW (decoupled weight decay), as PyTorch defines them.
namespace Snn.Autograd.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba): m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − lr·m̂/(√v̂ + ε) with bias-corrected
/// m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ). Weight decay λ: Adam adds λ·p to g (L2); AdamW (<paramref name="decoupled"/>)
/// instead shrinks p ← p·(1 − lr·λ) before the update (Loshchilov &amp; Hutter).
/// </summary>
public sealed class Adam(IReadOnlyList<Variable> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
    float eps = 1e-8f, float weightDecay = 0f, bool decoupled = false) : Optimizer(parameters, learningRate)
{
    private readonly Tensor?[] _m = new Tensor?[parameters.Count];
    private readonly Tensor?[] _v = new Tensor?[parameters.Count];

    public static Adam AdamW(IReadOnlyList<Variable> parameters, float learningRate = 1e-3f, float weightDecay = 1e-2f) =>
        new(parameters, learningRate, weightDecay: weightDecay, decoupled: true);

    public override void Step()
    {
        StepCount++;
        float bias1 = 1 - MathF.Pow(beta1, StepCount);
        float bias2Sqrt = MathF.Sqrt(1 - MathF.Pow(beta2, StepCount));
        float stepSize = LearningRate / bias1;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Grad is null) continue;
            var w = p.Data.Span;
            var g = p.Grad.Span;
            var m = (_m[i] ??= LongLived(p.Data.ShapeArray())).Span;
            var v = (_v[i] ??= LongLived(p.Data.ShapeArray())).Span;
            for (int j = 0; j < w.Length; j++)
            {
                float d = g[j];
                if (decoupled) w[j] *= 1 - LearningRate * weightDecay;
                else d += weightDecay * w[j];
                m[j] = beta1 * m[j] + (1 - beta1) * d;
                v[j] = beta2 * v[j] + (1 - beta2) * d * d;
                w[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) / bias2Sqrt + eps);
            }
        }
    }

    public override IEnumerable<(string name, Tensor state)> State()
    {
        for (int i = 0; i < _m.Length; i++)
        {
            if (_m[i] is { } m) yield return ($"m.{i}", m);
            if (_v[i] is { } v) yield return ($"v.{i}", v);
        }
    }

    public override void LoadState(IReadOnlyDictionary<string, Tensor> state, int stepCount)
    {
        StepCount = stepCount;
        for (int i = 0; i < _m.Length; i++)
        {
            _m[i] = state.TryGetValue($"m.{i}", out var m) ? m.Clone() : null;
            _v[i] = state.TryGetValue($"v.{i}", out var v) ? v.Clone() : null;
        }
    }
}
