// The seam between tensor ops and the hardware that runs them.
namespace Snn.Backends;
using Snn.Kernels;

/// <summary>Elementwise binary operations a backend implements.</summary>
public enum BinaryOp { Add, Subtract, Multiply, Divide, Maximum, Minimum }

/// <summary>Elementwise unary operations a backend implements.</summary>
public enum UnaryOp { Negate, Exp, Log, Sqrt, Abs, Relu, Sigmoid, Tanh }

/// <summary>
/// The kernels that dominate SNN training, behind one small interface so a backend can be chosen once at the edge
/// of the program (<see cref="Backend.Use"/>) and never inside layers. Every method writes into a destination the
/// caller allocated; all tensors are contiguous. Parameter order: sources, settings, destination.
/// The CPU backend is the reference; other backends are tested against it.
/// </summary>
public interface ITensorBackend
{
    string Name { get; }

    /// <summary>destination[i] = a[i] ∘ b[i]. All three have the same length.</summary>
    void Binary(Tensor a, Tensor b, BinaryOp op, Tensor destination);

    /// <summary>destination[i] = f(x[i]).</summary>
    void Unary(Tensor x, UnaryOp op, Tensor destination);

    /// <summary>
    /// c = op(a) · op(b) + beta · c, batched over a shared leading dimension when a, b, c are rank 3
    /// (a of rank 2 is broadcast over b's and c's batch). op transposes the last two dims when asked.
    /// Shapes: op(a) [B, M, K], op(b) [B, K, N], c [B, M, N].
    /// </summary>
    void MatMul(Tensor a, bool transposeA, Tensor b, bool transposeB, float beta, Tensor c);

    /// <summary>
    /// Multi-step spiking neuron forward over time. input [T, n]; writes spikes [T, n] and the membrane potential
    /// after charging and before reset, h [T, n], which is all that <see cref="NeuronBackward"/> needs.
    /// <paramref name="membrane"/> [n], when given, is v before the first step and receives v after the last, so
    /// a sequence can be fed in pieces (state carried across calls; no gradient flows through it).
    /// </summary>
    void NeuronForward(Tensor input, in NeuronSpec spec, Tensor spikes, Tensor charged, Tensor? membrane = null);

    /// <summary>
    /// Inference forward: spikes [T, n] only. <paramref name="input"/> is [T, n], or [n] when the same current enters
    /// at every step. The default materialises the repeat and discards h; a backend may do neither.
    /// </summary>
    void NeuronForwardSpikes(Tensor input, int timeSteps, in NeuronSpec spec, Tensor spikes, Tensor? membrane = null)
    {
        int n = spikes.Length / timeSteps;
        var full = input.Length == spikes.Length ? input : Tensor.Zeros(timeSteps, n);
        if (!ReferenceEquals(full, input))
            for (int t = 0; t < timeSteps; t++) input.Contiguous().Span.CopyTo(full.Span.Slice(t * n, n));
        NeuronForward(full.Reshape(timeSteps, n), spec, spikes.Reshape(timeSteps, n), Tensor.Zeros(timeSteps, n), membrane);
    }

    /// <summary>Gradient of the loss w.r.t. the input current, from ∂L/∂spikes and the saved h. All [T, n].</summary>
    void NeuronBackward(Tensor gradSpikes, Tensor charged, in NeuronSpec spec, Tensor gradInput);
}
