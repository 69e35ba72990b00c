// Turning static images into spike trains or repeated currents over T steps.
namespace Snn.Layers.Training;

public static class Encoders
{
    /// <summary>Direct encoding: the analog image is the input current at every step. [N, ...] → [T, N, ...].</summary>
    public static Tensor Direct(Tensor images, int timeSteps)
    {
        var src = images.Contiguous();
        var y = Tensor.Zeros([timeSteps, .. src.ShapeArray()]);
        for (int t = 0; t < timeSteps; t++) src.Span.CopyTo(y.Span.Slice(t * src.Length, src.Length));
        return y;
    }

    /// <summary>
    /// Poisson rate encoding: at each step a pixel of intensity p ∈ [0, 1] spikes with probability p.
    /// [N, ...] → [T, N, ...] of 0/1.
    /// </summary>
    public static Tensor Poisson(Tensor images, int timeSteps, Rng rng)
    {
        var src = images.Contiguous().Span;
        var y = Tensor.Zeros([timeSteps, .. images.ShapeArray()]);
        var dst = y.Span;
        for (int t = 0; t < timeSteps; t++)
            for (int i = 0; i < src.Length; i++)
                dst[t * src.Length + i] = rng.NextDouble() < src[i] ? 1f : 0f;
        return y;
    }
}
