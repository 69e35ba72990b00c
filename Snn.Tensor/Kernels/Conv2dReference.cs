// Direct-loop 2-D convolution and its gradients: the oracle the im2col kernels are tested against.
namespace Snn.Kernels;

/// <summary>
/// Naive NCHW convolution with double accumulation, written straight from the definition
/// y[n, o, oy, ox] = b[o] + Σ_{c, i, j} x[n, c, oy·s − p + i, ox·s − p + j] · w[o, c, i, j] (zero outside x).
/// Same signatures and overwrite conventions as <see cref="Conv2dKernel"/>.
/// </summary>
public static class Conv2dReference
{
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        in Conv2dGeometry g, Span<float> output)
    {
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int oy = 0; oy < g.OutH; oy++)
                    for (int ox = 0; ox < g.OutW; ox++)
                    {
                        double sum = bias.IsEmpty ? 0 : bias[o];
                        for (int c = 0; c < g.InChannels; c++)
                            for (int i = 0; i < g.KernelH; i++)
                                for (int j = 0; j < g.KernelW; j++)
                                    if (InputIndex(g, n, c, oy, ox, i, j) is int x and >= 0)
                                        sum += (double)input[x] * weight[WeightIndex(g, o, c, i, j)];
                        output[((n * g.OutChannels + o) * g.OutH + oy) * g.OutW + ox] = (float)sum;
                    }
    }

    /// <summary>gradInput = ∂L/∂x (overwritten): every output gradient flows back through each weight that touched x.</summary>
    public static void BackwardInput(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight, in Conv2dGeometry g,
        Span<float> gradInput)
    {
        var sums = new double[g.InputLength];
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int oy = 0; oy < g.OutH; oy++)
                    for (int ox = 0; ox < g.OutW; ox++)
                    {
                        double dy = gradOutput[((n * g.OutChannels + o) * g.OutH + oy) * g.OutW + ox];
                        for (int c = 0; c < g.InChannels; c++)
                            for (int i = 0; i < g.KernelH; i++)
                                for (int j = 0; j < g.KernelW; j++)
                                    if (InputIndex(g, n, c, oy, ox, i, j) is int x and >= 0)
                                        sums[x] += dy * weight[WeightIndex(g, o, c, i, j)];
                    }
        for (int x = 0; x < sums.Length; x++) gradInput[x] = (float)sums[x];
    }

    /// <summary>gradWeight = ∂L/∂w and gradBias = ∂L/∂b (both overwritten; gradBias may be empty).</summary>
    public static void BackwardWeight(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, in Conv2dGeometry g,
        Span<float> gradWeight, Span<float> gradBias)
    {
        var sums = new double[g.WeightLength];
        var biasSums = new double[g.OutChannels];
        for (int n = 0; n < g.Batch; n++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int oy = 0; oy < g.OutH; oy++)
                    for (int ox = 0; ox < g.OutW; ox++)
                    {
                        double dy = gradOutput[((n * g.OutChannels + o) * g.OutH + oy) * g.OutW + ox];
                        biasSums[o] += dy;
                        for (int c = 0; c < g.InChannels; c++)
                            for (int i = 0; i < g.KernelH; i++)
                                for (int j = 0; j < g.KernelW; j++)
                                    if (InputIndex(g, n, c, oy, ox, i, j) is int x and >= 0)
                                        sums[WeightIndex(g, o, c, i, j)] += dy * input[x];
                    }
        for (int w = 0; w < sums.Length; w++) gradWeight[w] = (float)sums[w];
        if (!gradBias.IsEmpty)
            for (int o = 0; o < g.OutChannels; o++) gradBias[o] = (float)biasSums[o];
    }

    /// <summary>Flat index of the input element under tap (i, j) of output (oy, ox), or −1 in the padding.</summary>
    private static int InputIndex(in Conv2dGeometry g, int n, int c, int oy, int ox, int i, int j)
    {
        int y = oy * g.Stride - g.Padding + i, x = ox * g.Stride - g.Padding + j;
        if (y < 0 || y >= g.Height || x < 0 || x >= g.Width) return -1;
        return ((n * g.InChannels + c) * g.Height + y) * g.Width + x;
    }

    private static int WeightIndex(in Conv2dGeometry g, int o, int c, int i, int j) =>
        ((o * g.InChannels + c) * g.KernelH + i) * g.KernelW + j;
}
