// Elementwise binary and unary kernels: one thread per element, grid-stride so any launch size covers any length.
using ILGPU;
using Snn.Backends;

namespace Snn.Gpu.Kernels;

/// <summary>
/// destination[i] = a[i] ∘ b[i] and destination[i] = f(x[i]) with the formulas of <see cref="CpuBackend"/>.
/// The op is a plain int (ILGPU kernel parameters must be blittable); it is uniform across the launch, so the switch
/// costs no divergence.
/// </summary>
internal static class ElementwiseKernels
{
    public static void BinaryKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> destination, int length, int op)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.IdxX * Group.DimX + Group.IdxX; i < length; i += stride)
            destination[i] = Binary((BinaryOp)op, a[i], b[i]);
    }

    public static void UnaryKernel(ArrayView<float> x, ArrayView<float> destination, int length, int op)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.IdxX * Group.DimX + Group.IdxX; i < length; i += stride)
            destination[i] = Unary((UnaryOp)op, x[i]);
    }

    private static float Binary(BinaryOp op, float x, float y) => op switch
    {
        BinaryOp.Add => x + y,
        BinaryOp.Subtract => x - y,
        BinaryOp.Multiply => x * y,
        BinaryOp.Divide => x / y,
        BinaryOp.Maximum => MathF.Max(x, y),
        _ => MathF.Min(x, y),
    };

    private static float Unary(UnaryOp op, float x) => op switch
    {
        UnaryOp.Negate => -x,
        UnaryOp.Exp => MathF.Exp(x),
        UnaryOp.Log => MathF.Log(x),
        UnaryOp.Sqrt => MathF.Sqrt(x),
        UnaryOp.Abs => MathF.Abs(x),
        UnaryOp.Relu => MathF.Max(x, 0f),
        UnaryOp.Sigmoid => 1f / (1f + MathF.Exp(-x)),
        _ => MathF.Tanh(x),
    };
}
