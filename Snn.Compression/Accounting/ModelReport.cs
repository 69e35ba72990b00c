// The figures the papers print for a model: parameters, size, SOPs and energy per image.
using Snn.Layers;
using Snn.Layers.Models;

namespace Snn.Compression.Accounting;

/// <summary>One synaptic layer's share of the work per image.</summary>
public sealed record LayerCost(string Name, bool SpikeInput, double FiringRate, double MacsPerImage, double AcsPerImage);

/// <summary>
/// SOPs convention (documented in the README): for a layer whose input is strictly 0/1 spikes,
/// SOPs = FLOPs × firing rate, summed over time steps — each spike costs one accumulate per outgoing synapse;
/// a layer with real-valued input (the encoding layer) counts its MACs at every one of the T steps, even where
/// SnnNet computes it once. SOPs per image = ACs + MACs. Energy = 0.9 pJ·ACs + 4.6 pJ·MACs (45 nm).
/// </summary>
public sealed record ModelReport(int Parameters, long SizeBytes, int BitsPerWeight, IReadOnlyList<LayerCost> Layers, double Picojoules)
{
    public double AcsPerImage => Layers.Sum(l => l.AcsPerImage);
    public double MacsPerImage => Layers.Sum(l => l.MacsPerImage);
    public double SopsPerImage => AcsPerImage + MacsPerImage;
    public double MicrojoulesPerImage => Picojoules / 1e6;

    /// <summary>
    /// Builds the report from activity recorded during an evaluation of <paramref name="images"/> images
    /// (wrap the evaluation in <see cref="ActivityRecorder.Record"/>, after <see cref="ClearActivity"/>).
    /// </summary>
    public static ModelReport FromActivity(SpikingClassifier model, int images, int bitsPerWeight = 32, EnergyModel? energy = null)
    {
        energy ??= EnergyModel.Cmos45nm;
        int timeSteps = model.TimeSteps;
        var layers = new List<LayerCost>();
        foreach (var (path, module) in model.Modules())
        {
            if (module is not ISynapticLayer { Activity: { } a }) continue;
            double rate = a.SampleSteps == 0 ? 0 : a.Nonzeros / a.InputElements;
            layers.Add(a.Binary
                ? new LayerCost(path, true, rate, 0, a.MacsPerSampleStep * a.RateSum / images)
                : new LayerCost(path, false, rate, (double)a.MacsPerSampleStep * timeSteps, 0));
        }
        int parameters = model.ParameterCount();
        double pj = energy.Picojoules(layers.Sum(l => l.AcsPerImage), layers.Sum(l => l.MacsPerImage));
        return new ModelReport(parameters, (long)Math.Ceiling(parameters * (double)bitsPerWeight / 8), bitsPerWeight, layers, pj);
    }

    /// <summary>Forgets recorded activity in every synaptic layer of <paramref name="model"/>.</summary>
    public static void ClearActivity(Module model)
    {
        foreach (var (_, m) in model.Modules())
            if (m is ISynapticLayer s) s.ClearActivity();
    }
}
