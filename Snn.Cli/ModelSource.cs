// Picks how `snn eval` loads its model: our .snn file, or a PyTorch arch.json + safetensors pair.
using Snn.Layers.Models;

namespace Snn.Cli;

internal static class ModelSource
{
    public static SpikingClassifier Load(string? modelPath, string? archPath, string? weightsPath)
    {
        if (modelPath is not null) return ModelLoader.Load(modelPath);
        if (archPath is null || weightsPath is null)
            throw new ArgumentException("Give --model FILE.snn, or both --arch arch.json and --weights model.safetensors.");
        return ModelLoader.ImportPyTorch(archPath, weightsPath);
    }
}
