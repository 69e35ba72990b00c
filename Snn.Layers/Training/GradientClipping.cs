// Gradient clipping by global norm.
using Snn.Autograd;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace Snn.Layers.Training;

public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients by min(1, maxNorm/‖g‖) where ‖g‖ is the L2 norm over every parameter together
    /// (PyTorch's clip_grad_norm_). Returns the norm before clipping.
    /// </summary>
    public static double ClipNorm(IEnumerable<Variable> parameters, double maxNorm)
    {
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        double total = 0;
        foreach (var g in grads) total += TP.Dot<float>(g.Span, g.Span);
        double norm = Math.Sqrt(total);
        if (norm > maxNorm && norm > 0)
        {
            float scale = (float)(maxNorm / (norm + 1e-6));
            foreach (var g in grads) TP.Multiply(g.Span, scale, g.Span);
        }
        return norm;
    }
}
