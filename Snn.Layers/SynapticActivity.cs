// What a synaptic layer (conv, linear) saw in its last forward pass: the raw material of SOPs accounting.
namespace Snn.Layers;

/// <summary>
/// Recorded by conv and linear layers while <see cref="ActivityRecorder"/> is on. A "sample-step" is one sample at
/// one time step (or one sample, for a layer run once on the static image). MACs counts multiply-accumulates of the
/// dense layer for one sample-step; <see cref="Binary"/> says whether every input value was 0 or 1, in which case
/// a neuromorphic chip only does an accumulate per input spike and per fan-out synapse.
/// </summary>
public sealed record SynapticActivity(long MacsPerSampleStep, int InputsPerSampleStep, bool Binary, double Nonzeros, long InputElements)
{
    public long SampleSteps => InputsPerSampleStep == 0 ? 0 : InputElements / InputsPerSampleStep;

    /// <summary>Σ over sample-steps of the fraction of inputs that are non-zero (the firing rate for spikes).</summary>
    public double RateSum => InputsPerSampleStep == 0 ? 0 : Nonzeros / InputsPerSampleStep;

    /// <summary>Adds another forward pass of the same layer (binary only if both were).</summary>
    public SynapticActivity Plus(SynapticActivity other) =>
        this with { Binary = Binary && other.Binary, Nonzeros = Nonzeros + other.Nonzeros, InputElements = InputElements + other.InputElements };
}

/// <summary>A layer whose operations are counted as synaptic operations.</summary>
public interface ISynapticLayer
{
    /// <summary>Activity summed over every forward pass since <see cref="ClearActivity"/>, while recording was on.</summary>
    SynapticActivity? Activity { get; }

    void ClearActivity();
}

/// <summary>Switches activity recording on for a scope (evaluation for the metrics table); off costs nothing.</summary>
public static class ActivityRecorder
{
    [ThreadStatic] private static bool _on;

    public static bool IsRecording => _on;

    public static IDisposable Record()
    {
        bool previous = _on;
        _on = true;
        return new Restore(previous);
    }

    /// <summary>Scans <paramref name="input"/> once: is it all 0/1, and how many entries are non-zero.</summary>
    public static SynapticActivity Measure(Tensor input, long macsPerSampleStep, int inputsPerSampleStep)
    {
        var s = input.Contiguous().Span;
        bool binary = true;
        long nonzero = 0;
        foreach (float v in s)
        {
            if (v != 0f) { nonzero++; if (v != 1f) binary = false; }
        }
        return new SynapticActivity(macsPerSampleStep, inputsPerSampleStep, binary, nonzero, s.Length);
    }

    private sealed class Restore(bool previous) : IDisposable
    {
        public void Dispose() => _on = previous;
    }
}
