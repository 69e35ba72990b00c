// Exponential moving average of a model's weights and BN statistics (Polyak averaging), for evaluation and saving.
using System.Numerics.Tensors;

namespace Snn.Layers.Training;

/// <summary>
/// Keeps average = decay·average + (1 − decay)·live after every optimizer step, for every parameter and buffer.
/// Late in a cosine schedule the weights barely move, yet the test accuracy still jitters from epoch to epoch:
/// BN's running statistics (momentum 0.1) describe only the last few dozen batches. The average smooths both the
/// weights and those statistics over about 1 / (1 − decay) steps. Early on, the decay is
/// min(decay, (1 + step) / (10 + step)), so the first steps' random weights fade fast.
/// </summary>
public sealed class WeightAverage
{
    private readonly (string Name, Tensor Live, Tensor Average)[] _tensors;
    private readonly float _decay;

    public WeightAverage(Module model, float decay)
    {
        if (!(decay > 0 && decay < 1)) throw new ArgumentException($"ema decay must be in (0, 1), got {decay}.");
        _decay = decay;
        _tensors = model.StateDict().Select(s => (s.name, s.tensor, s.tensor.Clone())).ToArray();
    }

    /// <summary>The averaged tensors, under the model's state-dict names.</summary>
    public IEnumerable<(string name, Tensor tensor)> StateDict() => _tensors.Select(t => (t.Name, t.Average));

    /// <summary>Folds the live weights in after optimizer step number <paramref name="step"/> (1 for the first).</summary>
    public void Update(long step)
    {
        float decay = Math.Min(_decay, (1f + step) / (10f + step));
        foreach (var (_, live, average) in _tensors)
            TensorPrimitives.Lerp(average.Span, live.Span, 1 - decay, average.Span);
    }

    /// <summary>Sets the averages to the model's current weights (a resumed run loads its saved averages into the model first).</summary>
    public void Capture()
    {
        foreach (var (_, live, average) in _tensors) live.CopyTo(average);
    }

    /// <summary>Puts the averages into the model until the returned scope is disposed, which restores the live weights.</summary>
    public IDisposable Apply()
    {
        var live = _tensors.Select(t => t.Live.Clone()).ToArray();
        foreach (var t in _tensors) t.Average.CopyTo(t.Live);
        return new Restore(_tensors, live);
    }

    private sealed class Restore((string Name, Tensor Live, Tensor Average)[] tensors, Tensor[] saved) : IDisposable
    {
        public void Dispose()
        {
            for (int i = 0; i < tensors.Length; i++) saved[i].CopyTo(tensors[i].Live);
        }
    }
}
