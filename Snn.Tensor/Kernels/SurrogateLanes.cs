// Surrogate gradients for a whole vector of neurons at once, the SIMD twin of Surrogate.Gradient.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Snn.Kernels;

/// <summary>
/// <see cref="Surrogate.Gradient"/> over Vector512 / Vector256 lanes, with the per-surrogate constants computed once
/// (not once per step). ATan and Rectangle repeat the scalar float operations in the same order, so they are
/// bit-identical; Sigmoid uses the vector exp (within about 1 ulp of MathF.Exp). DSpike writes 1 − tanh²(x) as
/// sech²(x) = 4e/(1 + e)², e = exp(−2|x|), because there is no vector tanh and this form loses nothing to cancellation.
/// </summary>
internal readonly struct SurrogateLanes
{
    private readonly SurrogateKind _kind;
    private readonly float _alpha, _halfAlpha, _inverseAlpha, _atanScale, _dspikeDenominator;

    public SurrogateLanes(Surrogate surrogate)
    {
        float a = surrogate.Alpha;
        _kind = surrogate.Kind;
        _alpha = a;
        _halfAlpha = a / 2;
        _inverseAlpha = 1f / a;
        _atanScale = MathF.PI / 2 * a;
        _dspikeDenominator = 2 * MathF.Tanh(a / 2);
        if (!Enum.IsDefined(_kind)) throw new InvalidOperationException($"Unknown surrogate {_kind}.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Gradient(Vector512<float> u)
    {
        var one = Vector512<float>.One;
        switch (_kind)
        {
            case SurrogateKind.ATan:
                var z = Vector512.Create(_atanScale) * u;
                return Vector512.Create(_halfAlpha) / (one + z * z);
            case SurrogateKind.Sigmoid:
                var sg = one / (one + Vector512.Exp(Vector512.Create(-_alpha) * u));
                return Vector512.Create(_alpha) * sg * (one - sg);
            case SurrogateKind.Rectangle:
                var inside = Vector512.LessThan(Vector512.Abs(u), Vector512.Create(_halfAlpha));
                return inside & Vector512.Create(_inverseAlpha);
            default:
                // The scalar form tests |u| >= ½ and returns 0, so NaN falls through to NaN; keep that.
                var outside = Vector512.GreaterThanOrEqual(Vector512.Abs(u), Vector512.Create(0.5f));
                var e = Vector512.Exp(Vector512.Create(-2f) * Vector512.Abs(Vector512.Create(_alpha) * u));
                var sech2 = Vector512.Create(4f) * e / ((one + e) * (one + e));
                return Vector512.AndNot(Vector512.Create(_alpha) * sech2 / Vector512.Create(_dspikeDenominator), outside);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Gradient(Vector256<float> u)
    {
        var one = Vector256<float>.One;
        switch (_kind)
        {
            case SurrogateKind.ATan:
                var z = Vector256.Create(_atanScale) * u;
                return Vector256.Create(_halfAlpha) / (one + z * z);
            case SurrogateKind.Sigmoid:
                var sg = one / (one + Vector256.Exp(Vector256.Create(-_alpha) * u));
                return Vector256.Create(_alpha) * sg * (one - sg);
            case SurrogateKind.Rectangle:
                var inside = Vector256.LessThan(Vector256.Abs(u), Vector256.Create(_halfAlpha));
                return inside & Vector256.Create(_inverseAlpha);
            default:
                var outside = Vector256.GreaterThanOrEqual(Vector256.Abs(u), Vector256.Create(0.5f));
                var e = Vector256.Exp(Vector256.Create(-2f) * Vector256.Abs(Vector256.Create(_alpha) * u));
                var sech2 = Vector256.Create(4f) * e / ((one + e) * (one + e));
                return Vector256.AndNot(Vector256.Create(_alpha) * sech2 / Vector256.Create(_dspikeDenominator), outside);
        }
    }
}
