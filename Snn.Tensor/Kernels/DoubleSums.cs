// Float spans summed in double, vectorised: the accuracy batch statistics need without giving up SIMD.
using System.Numerics;
using System.Runtime.InteropServices;

namespace Snn.Kernels;

/// <summary>Sums whose order is fixed by the span alone (lane-wise, then lanes in order), so results are reproducible.</summary>
internal static class DoubleSums
{
    /// <summary>Σ x.</summary>
    public static double Sum(ReadOnlySpan<float> x)
    {
        var acc = Vector<double>.Zero;
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(x);
        foreach (var v in vectors)
        {
            Vector.Widen(v, out var lo, out var hi);
            acc += lo + hi;
        }
        double sum = Vector.Sum(acc);
        for (int i = vectors.Length * Vector<float>.Count; i < x.Length; i++) sum += x[i];
        return sum;
    }

    /// <summary>Σ (x − mean)²: the two-pass variance numerator, free of the cancellation in Σx² − n·mean².</summary>
    public static double SumSquaredDeviations(ReadOnlySpan<float> x, double mean)
    {
        var acc = Vector<double>.Zero;
        var m = new Vector<double>(mean);
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(x);
        foreach (var v in vectors)
        {
            Vector.Widen(v, out var lo, out var hi);
            acc += (lo - m) * (lo - m) + (hi - m) * (hi - m);
        }
        double sum = Vector.Sum(acc);
        for (int i = vectors.Length * Vector<float>.Count; i < x.Length; i++) sum += (x[i] - mean) * (x[i] - mean);
        return sum;
    }

    /// <summary>Σ a·b.</summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var acc = Vector<double>.Zero;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b[..a.Length]);
        for (int j = 0; j < va.Length; j++)
        {
            Vector.Widen(va[j], out var aLo, out var aHi);
            Vector.Widen(vb[j], out var bLo, out var bHi);
            acc += aLo * bLo + aHi * bHi;
        }
        double sum = Vector.Sum(acc);
        for (int i = va.Length * Vector<float>.Count; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }
}
