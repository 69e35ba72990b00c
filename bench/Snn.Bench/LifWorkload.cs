// Times the fused multi-step LIF neuron, forward and backward, against PyTorch's eager per-step loop.
using Snn.Autograd;
using Snn.Kernels;

namespace Snn.Bench;

/// <summary>
/// LIF (tau 2, v_th 1, hard reset to 0, detached reset, ATan surrogate) over T = 8 steps of 64×65,536 neurons:
/// forward, then backward from a fixed ∂L/∂spikes. One fused kernel each way here; torch_bench.py runs the
/// SpikingJelly-style eager loop (a handful of tensor ops per step, each a pass over memory). Each run is a
/// <see cref="TensorScope"/>, as a training step is, so its buffers are reused instead of faulted in anew.
/// </summary>
public sealed class LifWorkload(int timeSteps = 8, int neurons = 64 * 65536, int seed = 0) : IBenchWorkload
{
    public string Name => "lif";
    public bool HasTorchPeer => true;

    public IReadOnlyList<BenchFigure> Measure(BenchRunner runner)
    {
        var rng = new Random(seed);
        var input = new float[timeSteps * neurons];
        var seed2 = new float[timeSteps * neurons];
        for (int i = 0; i < input.Length; i++) { input[i] = (float)rng.NextDouble() * 3; seed2[i] = (float)rng.NextDouble(); }
        var x = Variable.Parameter(new Tensor(input, timeSteps, neurons));
        var gradSpikes = new Tensor(seed2, timeSteps, neurons);
        var spec = NeuronSpec.Lif(surrogate: Surrogate.ATan(2f));
        string label = $"lif T={timeSteps} 64x65536";
        var timing = runner.Measure(label, () =>
        {
            // As the trainer does: the step's tensors go back to the pool when the scope ends.
            using var scope = TensorScope.Begin();
            x.Grad = null;
            F.Neuron(x, spec).Backward(gradSpikes);
        });
        return [BenchFigure.Of(label, timing, withBytes: true)];
    }
}
