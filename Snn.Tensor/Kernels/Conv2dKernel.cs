// Fast 2-D convolution: im2col + packed GEMM over groups of images, with a 1×1 path that skips the unfold.
using System.Buffers;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn.Kernels;

/// <summary>
/// NCHW convolution as GEMM. Shapes: input [N, C, H, W], weight [O, C, kh, kw], bias [O] (empty = none),
/// output [N, O, oh, ow]; P = C·kh·kw, Q = oh·ow. A group of G images is unfolded side by side into one
/// [P, G·Q] matrix so one GEMM serves them all: the weight is packed once per group instead of once per image
/// and ragged tile edges become rare (Q = 196 alone wastes 12% of a 32-wide tile). Groups run in parallel with a
/// single-threaded GEMM each when there are enough of them, else one at a time with a threaded GEMM.
/// Every direction overwrites its destination. Checked against <see cref="Conv2dReference"/>.
/// </summary>
public static unsafe class Conv2dKernel
{
    /// <summary>Columns a group's GEMM aims for: wide enough to amortise packing, small enough to stay in L2.</summary>
    private const int TargetColumns = 512;

    [ThreadStatic] private static float[]? t_columns, t_rows;

    /// <summary>output[n] = weight [O, P] · im2col(input[n]) [P, Q] + bias.</summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        in Conv2dGeometry g, Span<float> output)
    {
        CheckCommon(g, "input", input.Length, weight.Length, "output", output.Length);
        if (!bias.IsEmpty) g.CheckLength("bias", bias.Length, g.OutChannels);
        var geo = g;
        bool hasBias = !bias.IsEmpty;
        fixed (float* x = input, w = weight, b = bias, y = output)
        {
            nint xp = (nint)x, wp = (nint)w, bp = (nint)b, yp = (nint)y;
            ForEachGroup(g, (n0, count, threads) =>
            {
                int width = count * geo.OutPixels;
                var cols = geo.IsPointwise ? InputImage(xp, n0, geo) : UnfoldGroup(xp, n0, count, geo);
                // A lone image is written in place; a group lands in a [O, G·Q] buffer and is scattered after.
                var product = count == 1 ? OutputImage(yp, n0, geo) : Rows(geo.OutChannels * width);
                Gemm.Multiply(false, false, geo.OutChannels, width, geo.PatchSize, Span(wp, geo.WeightLength),
                    geo.PatchSize, cols, width, 0f, product, width, threads);
                for (int i = 0; i < count; i++)
                    for (int o = 0; o < geo.OutChannels; o++)
                    {
                        var src = product.Slice(o * width + i * geo.OutPixels, geo.OutPixels);
                        var dest = OutputImage(yp, n0 + i, geo).Slice(o * geo.OutPixels, geo.OutPixels);
                        if (hasBias) TP.Add(src, ((float*)bp)[o], dest);
                        else if (count > 1) src.CopyTo(dest);
                    }
            });
        }
    }

    /// <summary>gradInput[n] = fold(weightᵀ [P, O] · gradOutput[n] [O, Q]) (overwritten).</summary>
    public static void BackwardInput(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight, in Conv2dGeometry g,
        Span<float> gradInput)
    {
        CheckCommon(g, "gradInput", gradInput.Length, weight.Length, "gradOutput", gradOutput.Length);
        var geo = g;
        fixed (float* dy = gradOutput, w = weight, dx = gradInput)
        {
            nint dyp = (nint)dy, wp = (nint)w, dxp = (nint)dx;
            ForEachGroup(g, (n0, count, threads) =>
            {
                int width = count * geo.OutPixels;
                var upstream = count == 1 ? OutputImage(dyp, n0, geo) : GatherGroup(dyp, n0, count, geo);
                var cols = geo.IsPointwise ? InputImage(dxp, n0, geo) : Columns(geo.PatchSize * width);
                Gemm.Multiply(true, false, geo.PatchSize, width, geo.OutChannels, Span(wp, geo.WeightLength),
                    geo.PatchSize, upstream, width, 0f, cols, width, threads);
                if (geo.IsPointwise) return;
                for (int i = 0; i < count; i++)
                {
                    var dest = InputImage(dxp, n0 + i, geo);
                    dest.Clear();
                    Im2Col.Fold(cols[(i * geo.OutPixels)..], width, geo, dest);
                }
            });
        }
    }

    /// <summary>
    /// gradWeight [O, P] = Σ_n gradOutput[n] [O, Q] · im2col(input[n])ᵀ [Q, P], gradBias[o] = Σ_{n, q} gradOutput
    /// (both overwritten; gradBias may be empty). Computed as its transpose [P, O] = cols · gradOutputᵀ, which
    /// packs the small gradOutput transposed instead of the large column matrix. Each chunk sums a fixed
    /// contiguous range of images into its own partial and partials are added in range order, so results are
    /// reproducible for a given thread count.
    /// </summary>
    public static void BackwardWeight(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, in Conv2dGeometry g,
        Span<float> gradWeight, Span<float> gradBias)
    {
        CheckCommon(g, "input", input.Length, gradWeight.Length, "gradOutput", gradOutput.Length);
        if (!gradBias.IsEmpty) g.CheckLength("gradBias", gradBias.Length, g.OutChannels);
        int chunks = Parallelism.Chunks(g.Batch, 1), size = g.WeightLength, stride = Partials.Stride(size);
        float[] partials = Partials.Rent(chunks, size);
        var geo = g;
        fixed (float* x = input, dy = gradOutput, rented = partials)
        {
            nint xp = (nint)x, dyp = (nint)dy, pp = (nint)Partials.First(rented);
            Parallelism.For(chunks, 1, (c0, c1) =>
            {
                for (int chunk = c0; chunk < c1; chunk++)
                {
                    var partial = new Span<float>((float*)pp + (long)chunk * stride, size);
                    partial.Clear();
                    int n1 = geo.Batch * (chunk + 1) / chunks, group = GroupSize(geo, 1);
                    for (int n0 = geo.Batch * chunk / chunks; n0 < n1; n0 += group)
                    {
                        int count = Math.Min(group, n1 - n0), width = count * geo.OutPixels;
                        var cols = geo.IsPointwise ? InputImage(xp, n0, geo) : UnfoldGroup(xp, n0, count, geo);
                        var upstream = count == 1 ? OutputImage(dyp, n0, geo) : GatherGroup(dyp, n0, count, geo);
                        Gemm.Multiply(false, true, geo.PatchSize, geo.OutChannels, width, cols, width,
                            upstream, width, 1f, partial, geo.OutChannels, threads: 1);
                    }
                }
            });
        }
        fixed (float* rented = partials, gw = gradWeight)
        {
            float* parts = Partials.First(rented);
            Partials.SumIntoFirst(parts, chunks, size);
            Transpose.Matrix(parts, g.PatchSize, g.OutChannels, gw);
        }
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
    /// Runs body(firstImage, count, gemmThreads) over groups of images: groups in parallel when there are at least
    /// as many as threads (each GEMM on one thread), otherwise one group at a time with a threaded GEMM.
    /// </summary>
    private static void ForEachGroup(in Conv2dGeometry g, Action<int, int, int> body)
    {
        int threads = Parallelism.Threads, group = GroupSize(g, threads), batch = g.Batch;
        int groups = (batch + group - 1) / group;
        if (groups >= threads && threads > 1)
            Parallelism.For(groups, 1, (g0, g1) =>
            {
                for (int i = g0; i < g1; i++) body(i * group, Math.Min(group, batch - i * group), 1);
            });
        else
            for (int n0 = 0; n0 < batch; n0 += group) body(n0, Math.Min(group, batch - n0), threads);
    }

    /// <summary>Images per GEMM: about <see cref="TargetColumns"/> columns, leaving every thread a group. 1×1 convs
    /// use the input image itself as the column matrix, so they go one image at a time.</summary>
    private static int GroupSize(in Conv2dGeometry g, int threads) => g.IsPointwise ? 1 :
        Math.Clamp((TargetColumns + g.OutPixels - 1) / g.OutPixels, 1, Math.Max(1, g.Batch / threads));

    /// <summary>im2col of images [n0, n0 + count) side by side: [P, count·Q] in this thread's column buffer.</summary>
    private static Span<float> UnfoldGroup(nint input, int n0, int count, in Conv2dGeometry g)
    {
        int width = count * g.OutPixels;
        var cols = Columns(g.PatchSize * width);
        for (int i = 0; i < count; i++) Im2Col.Unfold(InputImage(input, n0 + i, g), g, cols[(i * g.OutPixels)..], width);
        return cols;
    }

    /// <summary>[O, Q] blocks of images [n0, n0 + count) side by side: [O, count·Q] in this thread's row buffer.</summary>
    private static Span<float> GatherGroup(nint output, int n0, int count, in Conv2dGeometry g)
    {
        int width = count * g.OutPixels;
        var rows = Rows(g.OutChannels * width);
        for (int i = 0; i < count; i++)
            for (int o = 0; o < g.OutChannels; o++)
                OutputImage(output, n0 + i, g).Slice(o * g.OutPixels, g.OutPixels).CopyTo(rows.Slice(o * width + i * g.OutPixels));
        return rows;
    }

    /// <summary>This thread's buffers, grown once and reused (no allocation in steady state).</summary>
    private static Span<float> Columns(int length) => ThreadBuffer.Grow(ref t_columns, length);

    private static Span<float> Rows(int length) => ThreadBuffer.Grow(ref t_rows, length);

    private static Span<float> InputImage(nint basePointer, int n, in Conv2dGeometry g) =>
        Image(basePointer, n, g.InChannels * g.Height * g.Width);

    private static Span<float> OutputImage(nint basePointer, int n, in Conv2dGeometry g) =>
        Image(basePointer, n, g.OutChannels * g.OutPixels);

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
