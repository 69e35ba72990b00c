// The sizes of a square-window 2-D pooling over [N, C, H, W], checked once with a clear error.
namespace Snn.Kernels;

/// <summary>
/// Pooling of input [N, C, H, W] with a kernel×kernel window, stride and zero-cost padding on every side.
/// Output size follows PyTorch (floor mode): (H + 2·padding − kernel) / stride + 1.
/// </summary>
public readonly record struct Pool2dGeometry(int Batch, int Channels, int Height, int Width, int Kernel, int Stride, int Padding)
{
    public int OutHeight => (Height + 2 * Padding - Kernel) / Stride + 1;
    public int OutWidth => (Width + 2 * Padding - Kernel) / Stride + 1;

    /// <summary>N·C: the number of independent [H, W] planes.</summary>
    public int Planes => Batch * Channels;
    public int InputLength => Planes * Height * Width;
    public int OutputLength => Planes * OutHeight * OutWidth;

    /// <summary>Throws when the window cannot fit or padding exceeds half the kernel (PyTorch's rule: a window must touch the input).</summary>
    public void Validate()
    {
        if (Batch < 0 || Channels < 0 || Height < 1 || Width < 1 || Kernel < 1 || Stride < 1 || Padding < 0)
            throw new ArgumentException($"Pool2d: invalid geometry {this}.");
        if (Padding > Kernel / 2)
            throw new ArgumentException($"Pool2d: padding {Padding} must be at most half the kernel {Kernel}.");
        if (Height + 2 * Padding < Kernel || Width + 2 * Padding < Kernel)
            throw new ArgumentException($"Pool2d: kernel {Kernel} is larger than the padded input {Height}×{Width} (+{Padding}).");
    }
}
