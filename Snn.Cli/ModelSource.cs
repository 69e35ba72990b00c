// Loads a model for evaluation from our .snn file or from a PyTorch arch.json + safetensors pair.
using Snn.IO;
using Snn.Layers.Models;

namespace Snn.Cli;

internal static class ModelSource
{
    /// <summary>
    /// Our format carries its architecture; a PyTorch export needs both files. Tensor names and shapes are
    /// checked against the architecture, and a mismatch names the tensor.
    /// </summary>
    public static SpikingClassifier Load(string? modelPath, string? archPath, string? weightsPath)
    {
        if (modelPath is not null)
        {
            if (!File.Exists(modelPath)) throw new FileNotFoundException($"Model file not found: {modelPath}");
            var file = ModelFile.Read(modelPath);
            var model = ModelZoo.Create(Architecture.Parse(file.Architecture, modelPath));
            var state = file.Tensors.Where(t => !t.Name.StartsWith("optimizer.", StringComparison.Ordinal)).ToDictionary(t => t.Name, t => t.Tensor);
            model.LoadStateDict(state);
            return model;
        }
        if (archPath is null || weightsPath is null)
            throw new ArgumentException("Give --model FILE.snn, or both --arch arch.json and --weights model.safetensors.");
        if (!File.Exists(archPath)) throw new FileNotFoundException($"Architecture file not found: {archPath}");
        var imported = ModelZoo.Create(Architecture.Parse(File.ReadAllText(archPath), archPath));
        var tensors = Safetensors.Read(weightsPath);
        try { imported.LoadStateDict(tensors.Where(kv => !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToDictionary()); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{weightsPath}: {e.Message}"); }
        return imported;
    }
}
