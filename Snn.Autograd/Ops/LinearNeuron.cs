// A linear layer followed by spiking neurons: one fused pass for inference on spikes, the two ops in turn otherwise.
using Snn.Backends;
using Snn.Kernels;

namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// Neuron(Linear(x, weight, bias), spec, membrane) for time-major x [T, ..., I]: a transformer's Linear → BN
    /// (folded) → LIF. Without a graph, on the CPU backend and for a mostly-zero x (where <see cref="Linear"/> would
    /// take <see cref="SparseRowsGemm"/>), it runs <see cref="SparseLinearNeuronKernel"/>: the same spikes, with the
    /// currents never written. Otherwise it is exactly the two ops.
    /// </summary>
    public static Variable LinearNeuron(Variable x, Variable weight, Variable? bias, NeuronSpec spec, Tensor? membrane = null)
    {
        int inFeatures = weight.Data.Shape[1], outFeatures = weight.Data.Shape[0];
        bool graph = GradMode.Enabled && (x.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false));
        if (graph || Backend.Current is not CpuBackend || x.Data.Rank < 2 || x.Data.Shape[^1] != inFeatures)
            return Neuron(Linear(x, weight, bias), spec, membrane);
        var x2 = x.Data.Reshape(-1, inFeatures);
        if (!SparseRowsGemm.Worthwhile(x2.Span, x2.Shape[0], outFeatures, inFeatures)) return Neuron(Linear(x, weight, bias), spec, membrane);
        int timeSteps = x.Data.Shape[0];
        var spikes = Tensor.Uninitialized([.. x.Data.ShapeArray()[..^1], outFeatures]);
        SparseLinearNeuronKernel.Forward(x2.Span, Transposed(weight.Data).Span, bias is null ? default : bias.Data.Contiguous().Span,
            timeSteps, outFeatures, inFeatures, spec, spikes.Span, membrane is null ? default : membrane.Span);
        return Variable.Constant(spikes);
    }
}
