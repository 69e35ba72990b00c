// A small seeded random number generator (xoshiro256**) so that runs are reproducible bit for bit.
namespace Snn;

/// <summary>
/// Deterministic pseudo-random numbers: xoshiro256** seeded through SplitMix64. Same seed, same sequence, on every
/// machine and thread count (unlike <see cref="System.Random"/>, whose algorithm is not a contract).
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        return (int)((NextUInt64() >> 33) % (ulong)maxExclusive);
    }

    /// <summary>Standard normal by the Box–Muller transform.</summary>
    public double NextNormal()
    {
        if (_spareNormal is double spare) { _spareNormal = null; return spare; }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    public Tensor Uniform(float low, float high, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)(low + (high - low) * NextDouble());
        return t;
    }

    public Tensor Normal(float mean, float std, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)(mean + std * NextNormal());
        return t;
    }

    /// <summary>
    /// PyTorch's default init for conv and linear weights (kaiming_uniform with a = √5):
    /// U(−b, b) with b = 1/√fanIn. <paramref name="fanIn"/> = in_channels·kh·kw for conv, in_features for linear.
    /// </summary>
    public Tensor KaimingUniform(int fanIn, params int[] shape)
    {
        float bound = 1f / MathF.Sqrt(fanIn);
        return Uniform(-bound, bound, shape);
    }
}
