// Each surrogate gradient is the derivative of a smooth step; checking that pins the formulas and their α.
using Snn.Kernels;

namespace Snn.Tests.Autograd;

public class SurrogateTests
{
    /// <summary>The smooth step whose derivative each surrogate claims to be.</summary>
    private static double Primitive(Surrogate s, double u) => s.Kind switch
    {
        SurrogateKind.ATan => Math.Atan(Math.PI / 2 * s.Alpha * u) / Math.PI + 0.5,
        SurrogateKind.Sigmoid => 1 / (1 + Math.Exp(-s.Alpha * u)),
        SurrogateKind.Rectangle => Math.Clamp(u / s.Alpha + 0.5, 0, 1),
        SurrogateKind.DSpike => Math.Abs(u) < 0.5 ? Math.Tanh(s.Alpha * u) / (2 * Math.Tanh(s.Alpha / 2)) + 0.5 : (u < 0 ? 0 : 1),
        _ => throw new InvalidOperationException(),
    };

    public static TheoryData<string, float> All() => new()
    {
        { "atan", 2f }, { "sigmoid", 4f }, { "rectangle", 1f }, { "dspike", 3f }, { "dspike", 5f },
    };

    [Theory]
    [MemberData(nameof(All))]
    public void Surrogate_IsDerivativeOfItsSmoothStep(string name, float alpha)
    {
        var s = Surrogate.Parse(name, alpha);
        for (double u = -1.3; u <= 1.3; u += 0.0625)
        {
            if (Math.Abs(Math.Abs(u) - 0.5) < 1e-3) continue; // the rectangle and dspike windows' edges have no derivative
            double h = 1e-4;
            double numeric = (Primitive(s, u + h) - Primitive(s, u - h)) / (2 * h);
            Assert.True(Math.Abs(numeric - s.Gradient((float)u)) < 1e-3, $"{s} at u={u}: {s.Gradient((float)u)} vs {numeric}");
        }
    }

    [Fact]
    public void Parse_RejectsUnknownName()
    {
        var ex = Assert.Throws<ArgumentException>(() => Surrogate.Parse("relu"));
        Assert.Contains("relu", ex.Message);
    }
}
