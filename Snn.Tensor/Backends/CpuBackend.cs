// The managed CPU backend: SIMD through TensorPrimitives, the packed GEMM, and fused neuron kernels.
using Snn.Kernels;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn.Backends;

/// <summary>The reference backend and the default one. Multi-threaded through <see cref="Parallelism"/>.</summary>
public sealed class CpuBackend : ITensorBackend
{
    public string Name => "cpu";

    /// <summary>Elements per thread chunk for the exact elementwise maps; each element's result does not depend on the split.</summary>
    private const int ElementwiseChunk = 1 << 15;

    public void Binary(Tensor a, Tensor b, BinaryOp op, Tensor destination)
    {
        CheckLengths("Binary " + op, a, b, destination);
        var (xs, ys, ds) = (a.Storage, b.Storage, destination.Storage);
        var (xo, yo, dO) = (a.Offset, b.Offset, destination.Offset);
        Parallelism.For(destination.Length, ElementwiseChunk, (i0, i1) =>
        {
            ReadOnlySpan<float> x = xs.AsSpan(xo + i0, i1 - i0), y = ys.AsSpan(yo + i0, i1 - i0);
            Ops.ApplyRows(op, x, y, ds.AsSpan(dO + i0, i1 - i0));
        });
    }

    public void Unary(Tensor x, UnaryOp op, Tensor destination)
    {
        CheckLengths("Unary " + op, x, x, destination);
        // Exp, Log, Sigmoid and Tanh stay on one thread: their approximations are not promised to be split-invariant.
        bool exact = op is UnaryOp.Negate or UnaryOp.Sqrt or UnaryOp.Abs or UnaryOp.Relu;
        var (xs, ds, xo, dO) = (x.Storage, destination.Storage, x.Offset, destination.Offset);
        Parallelism.For(destination.Length, exact ? ElementwiseChunk : int.MaxValue, (i0, i1) =>
        {
            ReadOnlySpan<float> s = xs.AsSpan(xo + i0, i1 - i0);
            Span<float> d = ds.AsSpan(dO + i0, i1 - i0);
            switch (op)
            {
                case UnaryOp.Negate: TP.Negate(s, d); break;
                case UnaryOp.Exp: TP.Exp(s, d); break;
                case UnaryOp.Log: TP.Log(s, d); break;
                case UnaryOp.Sqrt: TP.Sqrt(s, d); break;
                case UnaryOp.Abs: TP.Abs(s, d); break;
                case UnaryOp.Relu: TP.Max(s, 0f, d); break;
                case UnaryOp.Sigmoid: TP.Sigmoid(s, d); break;
                case UnaryOp.Tanh: TP.Tanh(s, d); break;
                default: throw new ArgumentOutOfRangeException(nameof(op), op, null);
            }
        });
    }

    public void MatMul(Tensor a, bool transposeA, Tensor b, bool transposeB, float beta, Tensor c)
    {
        var g = MatMulGeometry.Of(a, transposeA, b, transposeB, c);
        // Many small products (attention heads): threads take whole products, each run on one thread; a product
        // is computed the same way on any thread, so results do not depend on the split. Large ones split inside.
        long work = (long)g.M * g.N * g.K;
        bool acrossBatch = g.Batch > 1 && work < 1 << 18;
        Parallelism.For(g.Batch, acrossBatch ? Math.Max(1, (int)((1 << 18) / Math.Max(1, work))) : int.MaxValue, (b0, b1) =>
        {
            for (int batch = b0; batch < b1; batch++)
            {
                var aSpan = a.Span.Slice(g.ABatchStride * batch);
                var bSpan = b.Span.Slice(g.BBatchStride * batch);
                var cSpan = c.Span.Slice(g.M * g.N * batch, g.M * g.N);
                Gemm.Multiply(transposeA, transposeB, g.M, g.N, g.K, aSpan, transposeA ? g.M : g.K, bSpan, transposeB ? g.K : g.N, beta, cSpan, g.N,
                    acrossBatch ? 1 : Parallelism.Threads);
            }
        });
    }

    public void NeuronForward(Tensor input, in NeuronSpec spec, Tensor spikes, Tensor charged, Tensor? membrane = null)
    {
        CheckLengths("NeuronForward", input, spikes, charged);
        NeuronKernel.Forward(input.Span, input.Shape[0], spec, spikes.Span, charged.Span, membrane is null ? default : membrane.Span);
    }

    public void NeuronForwardSpikes(Tensor input, int timeSteps, in NeuronSpec spec, Tensor spikes, Tensor? membrane = null) =>
        NeuronKernel.ForwardSpikes(input.Contiguous().Span, timeSteps, spec, spikes.Span, membrane is null ? default : membrane.Span);

    public void NeuronBackward(Tensor gradSpikes, Tensor charged, in NeuronSpec spec, Tensor gradInput)
    {
        CheckLengths("NeuronBackward", gradSpikes, charged, gradInput);
        NeuronKernel.Backward(gradSpikes.Span, charged.Span, charged.Shape[0], spec, gradInput.Span);
    }

    internal static void CheckLengths(string op, Tensor a, Tensor b, Tensor destination)
    {
        if (a.Length != b.Length || a.Length != destination.Length)
            throw new ArgumentException($"{op}: lengths differ: {Tensor.ShapeText(a.Shape)}, {Tensor.ShapeText(b.Shape)} → {Tensor.ShapeText(destination.Shape)}.");
    }
}
