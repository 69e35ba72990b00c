// The sizes of one 2-D convolution, validated once so every kernel can trust them.
namespace Snn.Kernels;

/// <summary>
/// input [N, C, H, W] ⊛ weight [O, C, kh, kw] → output [N, O, oh, ow] with a square stride and zero padding;
/// oh = (H + 2·padding − kh) / stride + 1 (floor), likewise ow. Build it with <see cref="Create"/>.
/// </summary>
public readonly record struct Conv2dGeometry(int Batch, int InChannels, int Height, int Width, int OutChannels,
    int KernelH, int KernelW, int Stride, int Padding, int OutH, int OutW)
{
    public int InputLength => Batch * InChannels * Height * Width;
    public int WeightLength => OutChannels * InChannels * KernelH * KernelW;
    public int OutputLength => Batch * OutChannels * OutH * OutW;

    /// <summary>Rows of one image's im2col matrix: C·kh·kw (also the weight's row length).</summary>
    public int PatchSize => InChannels * KernelH * KernelW;

    /// <summary>Output pixels per image and per channel: oh·ow (the im2col matrix's columns).</summary>
    public int OutPixels => OutH * OutW;

    /// <summary>1×1, stride 1, no padding: the input image already is the im2col matrix.</summary>
    public bool IsPointwise => KernelH == 1 && KernelW == 1 && Stride == 1 && Padding == 0;

    public static Conv2dGeometry Create(int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int stride = 1, int padding = 0)
    {
        string shapes = $"input [{batch}, {inChannels}, {height}, {width}], weight [{outChannels}, {inChannels}, {kernelH}, {kernelW}], stride {stride}, padding {padding}";
        if (batch < 0 || inChannels < 1 || height < 1 || width < 1 || outChannels < 1 || kernelH < 1 || kernelW < 1)
            throw new ArgumentException($"Conv2d: sizes must be positive (batch may be 0): {shapes}.");
        if (stride < 1) throw new ArgumentException($"Conv2d: stride must be at least 1: {shapes}.");
        if (padding < 0) throw new ArgumentException($"Conv2d: padding must not be negative: {shapes}.");
        int outH = (height + 2 * padding - kernelH) / stride + 1, outW = (width + 2 * padding - kernelW) / stride + 1;
        if (height + 2 * padding < kernelH || width + 2 * padding < kernelW)
            throw new ArgumentException($"Conv2d: kernel larger than the padded input: {shapes}.");
        return new(batch, inChannels, height, width, outChannels, kernelH, kernelW, stride, padding, outH, outW);
    }

    /// <summary>Throws naming <paramref name="what"/> and the geometry when a span has the wrong length.</summary>
    internal void CheckLength(string what, int actual, int expected)
    {
        if (actual != expected)
            throw new ArgumentException($"Conv2d: {what} has {actual} elements, expected {expected} for {this}.");
    }
}
