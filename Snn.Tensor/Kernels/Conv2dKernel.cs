// Fast 2-D convolution: im2col + packed GEMM per image, with a 1×1 path that skips the unfold.
using System.Buffers;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn.Kernels;

/// <summary>
/// NCHW convolution as GEMM. Shapes: input [N, C, H, W], weight [O, C, kh, kw], bias [O] (empty = none),
/// output [N, O, oh, ow]; P = C·kh·kw, Q = oh·ow. Images are split over <see cref="Parallelism.Threads"/> with a
/// single-threaded GEMM each (at batch 256 this beats one threaded GEMM per image: per-image products are small).
/// Every direction overwrites its destination. Checked against <see cref="Conv2dReference"/>.
/// </summary>
public static unsafe class Conv2dKernel
{
    [ThreadStatic] private static float[]? t_columns;

    /// <summary>output[n] = weight [O, P] · im2col(input[n]) [P, Q] + bias.</summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        in Conv2dGeometry g, Span<float> output)
    {
        CheckCommon(g, "input", input.Length, weight.Length, "output", output.Length);
        if (!bias.IsEmpty) g.CheckLength("bias", bias.Length, g.OutChannels);
        var geometry = g;
        bool hasBias = !bias.IsEmpty;
        fixed (float* x = input, w = weight, b = bias, y = output)
        {
            nint xp = (nint)x, wp = (nint)w, bp = (nint)b, yp = (nint)y;
            ForEachImage(g, (n, threads) =>
            {
                var image = Image(xp, n, geometry.InChannels * geometry.Height * geometry.Width);
                var dest = Image(yp, n, geometry.OutChannels * geometry.OutPixels);
                var cols = geometry.IsPointwise ? image : Unfolded(image, geometry);
                Gemm.Multiply(false, false, geometry.OutChannels, geometry.OutPixels, geometry.PatchSize,
                    Span(wp, geometry.WeightLength), geometry.PatchSize, cols, geometry.OutPixels, 0f, dest, geometry.OutPixels, threads);
                if (hasBias)
                    for (int o = 0; o < geometry.OutChannels; o++)
                        TP.Add(dest.Slice(o * geometry.OutPixels, geometry.OutPixels), ((float*)bp)[o], dest.Slice(o * geometry.OutPixels, geometry.OutPixels));
            });
        }
    }

    /// <summary>gradInput[n] = fold(weightᵀ [P, O] · gradOutput[n] [O, Q]) (overwritten).</summary>
    public static void BackwardInput(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight, in Conv2dGeometry g,
        Span<float> gradInput)
    {
        CheckCommon(g, "gradInput", gradInput.Length, weight.Length, "gradOutput", gradOutput.Length);
        var geometry = g;
        fixed (float* dy = gradOutput, w = weight, dx = gradInput)
        {
            nint dyp = (nint)dy, wp = (nint)w, dxp = (nint)dx;
            ForEachImage(g, (n, threads) =>
            {
                var upstream = Image(dyp, n, geometry.OutChannels * geometry.OutPixels);
                var dest = Image(dxp, n, geometry.InChannels * geometry.Height * geometry.Width);
                var cols = geometry.IsPointwise ? dest : Columns(geometry);
                Gemm.Multiply(true, false, geometry.PatchSize, geometry.OutPixels, geometry.OutChannels,
                    Span(wp, geometry.WeightLength), geometry.PatchSize, upstream, geometry.OutPixels, 0f, cols, geometry.OutPixels, threads);
                if (geometry.IsPointwise) return;
                dest.Clear();
                Im2Col.Fold(cols, geometry, dest);
            });
        }
    }

    /// <summary>
    /// gradWeight [O, P] = Σ_n gradOutput[n] [O, Q] · im2col(input[n])ᵀ [Q, P], gradBias[o] = Σ_{n, q} gradOutput
    /// (both overwritten; gradBias may be empty). Each thread sums a fixed contiguous range of images into its own
    /// partial; partials are added in range order, so results are reproducible for a given thread count.
    /// </summary>
    public static void BackwardWeight(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, in Conv2dGeometry g,
        Span<float> gradWeight, Span<float> gradBias)
    {
        CheckCommon(g, "input", input.Length, gradWeight.Length, "gradOutput", gradOutput.Length);
        if (!gradBias.IsEmpty) g.CheckLength("gradBias", gradBias.Length, g.OutChannels);
        int chunks = Math.Max(1, Math.Min(Parallelism.Threads, g.Batch));
        int size = g.WeightLength;
        float[] partials = ArrayPool<float>.Shared.Rent(size * chunks);
        var geometry = g;
        fixed (float* x = input, dy = gradOutput)
        {
            nint xp = (nint)x, dyp = (nint)dy;
            Parallelism.For(chunks, 1, (c0, c1) =>
            {
                for (int chunk = c0; chunk < c1; chunk++)
                {
                    var partial = partials.AsSpan(chunk * size, size);
                    partial.Clear();
                    int n0 = geometry.Batch * chunk / chunks, n1 = geometry.Batch * (chunk + 1) / chunks;
                    for (int n = n0; n < n1; n++)
                    {
                        var image = Image(xp, n, geometry.InChannels * geometry.Height * geometry.Width);
                        var cols = geometry.IsPointwise ? image : Unfolded(image, geometry);
                        Gemm.Multiply(false, true, geometry.OutChannels, geometry.PatchSize, geometry.OutPixels,
                            Image(dyp, n, geometry.OutChannels * geometry.OutPixels), geometry.OutPixels,
                            cols, geometry.OutPixels, 1f, partial, geometry.PatchSize, threads: 1);
                    }
                }
            });
        }
        partials.AsSpan(0, size).CopyTo(gradWeight);
        for (int chunk = 1; chunk < chunks; chunk++) TP.Add(gradWeight, partials.AsSpan(chunk * size, size), gradWeight);
        ArrayPool<float>.Shared.Return(partials);
        if (!gradBias.IsEmpty) SumBias(gradOutput, g, gradBias);
    }

    private static void SumBias(ReadOnlySpan<float> gradOutput, in Conv2dGeometry g, Span<float> gradBias)
    {
        for (int o = 0; o < g.OutChannels; o++)
        {
            double sum = 0;
            for (int n = 0; n < g.Batch; n++)
                sum += TP.Sum(gradOutput.Slice((n * g.OutChannels + o) * g.OutPixels, g.OutPixels));
            gradBias[o] = (float)sum;
        }
    }

    /// <summary>
    /// Runs body(image, gemmThreads) for every image: images in parallel when there are at least as many as
    /// threads (each GEMM on one thread), otherwise one image at a time with a threaded GEMM.
    /// </summary>
    private static void ForEachImage(in Conv2dGeometry g, Action<int, int> body)
    {
        int threads = Parallelism.Threads;
        if (g.Batch >= threads && threads > 1)
            Parallelism.For(g.Batch, 1, (n0, n1) => { for (int n = n0; n < n1; n++) body(n, 1); });
        else
            for (int n = 0; n < g.Batch; n++) body(n, threads);
    }

    private static Span<float> Unfolded(ReadOnlySpan<float> image, in Conv2dGeometry g)
    {
        var cols = Columns(g);
        Im2Col.Unfold(image, g, cols);
        return cols;
    }

    /// <summary>This thread's P×Q column buffer, grown once and reused (no allocation in steady state).</summary>
    private static Span<float> Columns(in Conv2dGeometry g)
    {
        int length = g.PatchSize * g.OutPixels;
        if (t_columns is null || t_columns.Length < length) t_columns = new float[length];
        return t_columns.AsSpan(0, length);
    }

    private static Span<float> Image(nint basePointer, int n, int imageLength) =>
        new((float*)basePointer + (long)n * imageLength, imageLength);

    private static ReadOnlySpan<float> Span(nint pointer, int length) => new((float*)pointer, length);

    private static void CheckCommon(in Conv2dGeometry g, string inputName, int inputLength, int weightLength,
        string outputName, int outputLength)
    {
        g.CheckLength(inputName, inputLength, g.InputLength);
        g.CheckLength("weight", weightLength, g.WeightLength);
        g.CheckLength(outputName, outputLength, g.OutputLength);
    }
}
