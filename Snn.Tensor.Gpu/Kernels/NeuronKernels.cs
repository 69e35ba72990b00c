// Multi-step neuron forward and backward: one thread per neuron, looping over time inside (time-major [T, n]).
using ILGPU;

namespace Snn.Gpu.Kernels;

/// <summary>
/// The fused neuron of <see cref="Snn.Kernels.NeuronReference"/>: forward walks t = 0..T−1 carrying v; backward walks
/// t = T−1..0 carrying g_v = ∂L/∂v_t. Neuron i's values sit at t·n + i, so neighbouring threads read neighbouring
/// addresses at every step (coalesced). Grid-stride over neurons.
/// </summary>
internal static class NeuronKernels
{
    /// <summary>
    /// input [T, n] → spikes [T, n], charged h [T, n]. When <paramref name="carry"/> is 1, membrane [n] holds v before
    /// the first step and receives v after the last (state carried across calls).
    /// </summary>
    public static void ForwardKernel(ArrayView<float> input, ArrayView<float> spikes, ArrayView<float> charged,
        ArrayView<float> membrane, int carry, int timeSteps, int neurons, NeuronParams p)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.IdxX * Group.DimX + Group.IdxX; i < neurons; i += stride)
        {
            float v = carry != 0 ? membrane[i] : p.VReset;
            for (int t = 0; t < timeSteps; t++)
            {
                int k = t * neurons + i;
                float h = p.Charge(v, input[k]);
                float s = p.Fire(h);
                spikes[k] = s;
                charged[k] = h;
                v = p.Reset(h, s);
            }
            if (carry != 0) membrane[i] = v;
        }
    }

    /// <summary>∂L/∂spikes [T, n], charged h [T, n] → ∂L/∂input [T, n].</summary>
    public static void BackwardKernel(ArrayView<float> gradSpikes, ArrayView<float> charged, ArrayView<float> gradInput,
        int timeSteps, int neurons, NeuronParams p)
    {
        int stride = Grid.DimX * Group.DimX;
        float dhdx = p.ChargeSlopeInput(), dhdv = p.ChargeSlopeState();
        for (int i = Grid.IdxX * Group.DimX + Group.IdxX; i < neurons; i += stride)
        {
            float gv = 0f;
            for (int t = timeSteps - 1; t >= 0; t--)
            {
                int k = t * neurons + i;
                float h = charged[k];
                float s = p.Fire(h);
                float sg = p.SurrogateGradient(h - p.VThreshold);
                float gh = gradSpikes[k] * sg + gv * p.ResetSlope(h, s, sg);
                gradInput[k] = gh * dhdx;
                gv = gh * dhdv;
            }
        }
    }
}
