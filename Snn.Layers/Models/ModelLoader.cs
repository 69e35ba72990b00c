// Loads models: our .snn files (architecture inside) and PyTorch exports (arch.json + safetensors).
using Snn.IO;
using Snn.Layers.Training;

namespace Snn.Layers.Models;

public static class ModelLoader
{
    /// <summary>A model saved by the trainer; the state only a resumed run needs (optimizer, live weights) is ignored.</summary>
    public static SpikingClassifier Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}");
        var file = ModelFile.Read(path);
        var model = ModelZoo.Create(Architecture.Parse(file.Architecture, path));
        var state = file.Tensors.Where(t => !Trainer.IsTrainingState(t.Name)).ToDictionary(t => t.Name, t => t.Tensor);
        try { model.LoadStateDict(state); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
        return model;
    }

    /// <summary>
    /// A PyTorch model: the architecture JSON and a state_dict in safetensors (F32, F16 or BF16). Every name and
    /// shape must fit the architecture; the error names the offending tensor. BN's num_batches_tracked counters
    /// carry no weights and are skipped.
    /// </summary>
    public static SpikingClassifier ImportPyTorch(string architecturePath, string weightsPath)
    {
        if (!File.Exists(architecturePath)) throw new FileNotFoundException($"Architecture file not found: {architecturePath}");
        var model = ModelZoo.Create(Architecture.Parse(File.ReadAllText(architecturePath), architecturePath));
        var tensors = Safetensors.Read(weightsPath);
        try { model.LoadStateDict(tensors.Where(kv => !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToDictionary()); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{weightsPath}: {e.Message}", e); }
        model.Eval();
        return model;
    }
}
