// Stochastic gradient descent with momentum, Nesterov and weight decay, as PyTorch defines them.
namespace Snn.Autograd.Optim;

/// <summary>
/// PyTorch's SGD (dampening 0): g ← g + λ·p; b ← μ·b + g (b = g on the first step);
/// g ← g + μ·b if Nesterov else b; p ← p − lr·g.
/// </summary>
public sealed class Sgd(IReadOnlyList<Variable> parameters, float learningRate, float momentum = 0f, float weightDecay = 0f, bool nesterov = false)
    : Optimizer(parameters, learningRate)
{
    private readonly Tensor?[] _momentum = new Tensor?[parameters.Count];

    public override void Step()
    {
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Grad is null) continue;
            var w = p.Data.Span;
            var g = p.Grad.Span;
            var buf = momentum != 0 ? (_momentum[i] ??= LongLived(p.Data.ShapeArray())).Span : default;
            bool first = StepCount == 1 || momentum == 0;
            for (int j = 0; j < w.Length; j++)
            {
                float d = g[j] + weightDecay * w[j];
                if (momentum != 0)
                {
                    buf[j] = first ? d : momentum * buf[j] + d;
                    d = nesterov ? d + momentum * buf[j] : buf[j];
                }
                w[j] -= LearningRate * d;
            }
        }
    }

    public override IEnumerable<(string name, Tensor state)> State()
    {
        for (int i = 0; i < _momentum.Length; i++)
            if (_momentum[i] is { } m) yield return ($"momentum.{i}", m);
    }

    public override void LoadState(IReadOnlyDictionary<string, Tensor> state, int stepCount)
    {
        StepCount = stepCount;
        for (int i = 0; i < _momentum.Length; i++)
            _momentum[i] = state.TryGetValue($"momentum.{i}", out var m) ? m.Clone() : null;
    }
}
