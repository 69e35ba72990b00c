// The vector surrogates against Surrogate.Gradient, lane by lane.
using System.Runtime.Intrinsics;
using Snn.Kernels;

namespace Snn.Tests.Kernels;

public class SurrogateLanesTests
{
    public static TheoryData<SurrogateKind, float> Surrogates() => new()
    {
        { SurrogateKind.ATan, 2f }, { SurrogateKind.ATan, 0.5f },
        { SurrogateKind.Sigmoid, 4f }, { SurrogateKind.Sigmoid, 10f },
        { SurrogateKind.Rectangle, 1f }, { SurrogateKind.Rectangle, 0.3f },
        { SurrogateKind.DSpike, 3f }, { SurrogateKind.DSpike, 1f },
    };

    /// <summary>u sweeps [−3, 3] finely and hits the edges ±½ and ±α/2 exactly, where the piecewise forms switch.</summary>
    private static float[] Points(float alpha)
    {
        var u = Enumerable.Range(-3000, 6000).Select(i => i / 1000f).ToList();
        u.AddRange([0.5f, -0.5f, alpha / 2, -alpha / 2, 1e-7f, -1e-30f]);
        while (u.Count % 16 != 0) u.Add(0f);
        return [.. u];
    }

    [Theory]
    [MemberData(nameof(Surrogates))]
    public void Gradient_MatchesScalar_Within1e6Relative_OnBothWidths(SurrogateKind kind, float alpha)
    {
        var surrogate = new Surrogate(kind, alpha);
        var lanes = new SurrogateLanes(surrogate);
        float[] u = Points(alpha);
        for (int i = 0; i < u.Length; i += 16)
        {
            var wide = lanes.Gradient(Vector512.Create(u.AsSpan(i, 16)));
            var narrow = Vector512.Create(lanes.Gradient(Vector256.Create(u.AsSpan(i, 8))), lanes.Gradient(Vector256.Create(u.AsSpan(i + 8, 8))));
            for (int j = 0; j < 16; j++)
            {
                float want = surrogate.Gradient(u[i + j]);
                // Sigmoid's 1 − σ cancels near σ ≈ 1 in both forms, so allow 1e-6 of the peak value α/4 there too.
                double tolerance = 1e-6 * Math.Max(Math.Abs(want), alpha / 4);
                Assert.True(Math.Abs(wide[j] - want) <= tolerance, $"u {u[i + j]}: {wide[j]} vs {want}");
                Assert.Equal(wide[j], narrow[j]);
            }
        }
    }
}
