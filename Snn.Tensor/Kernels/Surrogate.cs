// Surrogate gradients: the smooth stand-in for dH(u)/du that lets spiking neurons learn by backpropagation.
namespace Snn.Kernels;

public enum SurrogateKind { ATan, Sigmoid, Rectangle, DSpike }

/// <summary>
/// A surrogate for the derivative of the Heaviside step H(u), u = h − v_th. The forward pass always fires with the
/// true step; only the backward pass uses these. α (<see cref="Alpha"/>) sets the sharpness:
/// <list type="bullet">
/// <item>ATan:      (α/2) / (1 + (π/2·α·u)²)</item>
/// <item>Sigmoid:   α·σ(αu)·(1 − σ(αu))</item>
/// <item>Rectangle: 1/α where |u| &lt; α/2, else 0</item>
/// <item>DSpike:    α·(1 − tanh²(αu)) / (2·tanh(α/2)) where |u| &lt; ½, else 0  (Li et al. 2021)</item>
/// </list>
/// </summary>
public readonly record struct Surrogate(SurrogateKind Kind, float Alpha)
{
    public static Surrogate ATan(float alpha = 2f) => new(SurrogateKind.ATan, alpha);
    public static Surrogate Sigmoid(float alpha = 4f) => new(SurrogateKind.Sigmoid, alpha);
    public static Surrogate Rectangle(float alpha = 1f) => new(SurrogateKind.Rectangle, alpha);
    public static Surrogate DSpike(float alpha = 3f) => new(SurrogateKind.DSpike, alpha);

    /// <summary>∂s/∂u at u = h − v_th.</summary>
    public float Gradient(float u)
    {
        float a = Alpha;
        switch (Kind)
        {
            case SurrogateKind.ATan:
                float z = MathF.PI / 2 * a * u;
                return a / 2 / (1 + z * z);
            case SurrogateKind.Sigmoid:
                float sg = 1f / (1f + MathF.Exp(-a * u));
                return a * sg * (1 - sg);
            case SurrogateKind.Rectangle:
                return MathF.Abs(u) < a / 2 ? 1f / a : 0f;
            case SurrogateKind.DSpike:
                if (MathF.Abs(u) >= 0.5f) return 0f;
                float th = MathF.Tanh(a * u);
                return a * (1 - th * th) / (2 * MathF.Tanh(a / 2));
            default:
                throw new InvalidOperationException($"Unknown surrogate {Kind}.");
        }
    }

    /// <summary>Parses "atan", "sigmoid", "rectangle" or "dspike" (case-insensitive) with the given α, or that surrogate's default α.</summary>
    public static Surrogate Parse(string name, float? alpha = null) => name.ToLowerInvariant() switch
    {
        "atan" => ATan(alpha ?? 2f),
        "sigmoid" => Sigmoid(alpha ?? 4f),
        "rectangle" or "rect" => Rectangle(alpha ?? 1f),
        "dspike" => DSpike(alpha ?? 3f),
        _ => throw new ArgumentException($"Unknown surrogate '{name}'; expected atan, sigmoid, rectangle or dspike."),
    };

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}(α={Alpha})";
}
