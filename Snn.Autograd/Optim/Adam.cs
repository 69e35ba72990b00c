// Adam and AdamW (decoupled weight decay), as PyTorch defines them.
using System.Numerics;

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
        var step = new Update(beta1, beta2, eps, LearningRate / (1 - MathF.Pow(beta1, StepCount)),
            MathF.Sqrt(1 - MathF.Pow(beta2, StepCount)), decoupled ? 1 - LearningRate * weightDecay : 1,
            decoupled ? 0 : weightDecay);
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Grad is null) continue;
            var (w, g) = (p.Data, p.Grad);
            var (m, v) = (_m[i] ??= LongLived(p.Data.ShapeArray()), _v[i] ??= LongLived(p.Data.ShapeArray()));
            // Split over threads: a serial update of Spikformer's parameters was a stretch in which the second
            // thread waited (bench/results/speed.md, round 15). Each element's arithmetic is the same on any split.
            Parallelism.For(w.Length, 16384, (start, end) =>
                step.Apply(w.Span[start..end], g.Span[start..end], m.Span[start..end], v.Span[start..end]));
        }
    }

    /// <summary>
    /// One step's constants: p ← p·<paramref name="Shrink"/> (AdamW), d = g + <paramref name="L2"/>·p (Adam's weight
    /// decay), the moments, then p −= <paramref name="StepSize"/>·m / (√v / <paramref name="Bias2Sqrt"/> + ε).
    /// </summary>
    private readonly record struct Update(float Beta1, float Beta2, float Eps, float StepSize, float Bias2Sqrt, float Shrink, float L2)
    {
        /// <summary>The update of each element, 16 or 8 at a time with the same operations in the same order as the
        /// scalar tail (no fused multiply-adds), so every element gets the same value either way.</summary>
        public void Apply(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v)
        {
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var (beta1, beta2, rest1, rest2) = (new Vector<float>(Beta1), new Vector<float>(Beta2), new Vector<float>(1 - Beta1), new Vector<float>(1 - Beta2));
                var (stepSize, bias2Sqrt, eps, shrink, l2) = (new Vector<float>(StepSize), new Vector<float>(Bias2Sqrt), new Vector<float>(Eps), new Vector<float>(Shrink), new Vector<float>(L2));
                for (; j <= w.Length - Vector<float>.Count; j += Vector<float>.Count)
                {
                    var p = new Vector<float>(w[j..]) * shrink;
                    var d = new Vector<float>(g[j..]) + l2 * p;
                    var mj = beta1 * new Vector<float>(m[j..]) + rest1 * d;
                    var vj = beta2 * new Vector<float>(v[j..]) + rest2 * d * d;
                    (p - stepSize * mj / (Vector.SquareRoot(vj) / bias2Sqrt + eps)).CopyTo(w[j..]);
                    mj.CopyTo(m[j..]);
                    vj.CopyTo(v[j..]);
                }
            }
            for (; j < w.Length; j++)
            {
                float p = w[j] * Shrink;
                float d = g[j] + L2 * p;
                m[j] = Beta1 * m[j] + (1 - Beta1) * d;
                v[j] = Beta2 * v[j] + (1 - Beta2) * d * d;
                w[j] = p - StepSize * m[j] / (MathF.Sqrt(v[j]) / Bias2Sqrt + Eps);
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
