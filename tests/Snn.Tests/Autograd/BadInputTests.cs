// Bad input raises an exception that names the op and the shapes, never a crash deep inside.
using Snn.Autograd;
using Snn.Kernels;

namespace Snn.Tests.Autograd;

public class BadInputTests
{
    private static Variable V(params int[] shape) => Variable.Parameter(Tensor.Zeros(shape));

    [Fact]
    public void Add_ThrowsForShapesThatDoNotBroadcast()
    {
        var ex = Assert.Throws<ArgumentException>(() => F.Add(V(2, 3), V(4)));
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4]", ex.Message);
    }

    [Fact]
    public void MatMul_ThrowsForInnerDimMismatch()
    {
        var ex = Assert.Throws<ArgumentException>(() => F.MatMul(V(2, 3), V(4, 5)));
        Assert.Contains("MatMul", ex.Message);
        Assert.Contains("[4, 5]", ex.Message);
    }

    [Fact]
    public void Linear_ThrowsForWrongFeatureCount()
    {
        var ex = Assert.Throws<ArgumentException>(() => F.Linear(V(8, 3), V(5, 4)));
        Assert.Contains("Linear", ex.Message);
        Assert.Contains("[8, 3]", ex.Message);
    }

    [Fact]
    public void Neuron_ThrowsForRankOneInput()
    {
        var ex = Assert.Throws<ArgumentException>(() => F.Neuron(V(5), NeuronSpec.Lif()));
        Assert.Contains("Neuron", ex.Message);
    }

    [Fact]
    public void Neuron_ThrowsForNonPositiveTau()
    {
        var ex = Assert.Throws<ArgumentException>(() => F.Neuron(V(2, 3), NeuronSpec.Lif(tau: 0f)));
        Assert.Contains("tau", ex.Message);
    }

    [Fact]
    public void Mean_ThrowsForEmptyTensor()
    {
        var ex = Assert.Throws<ArgumentException>(() => F.MeanAll(V(0, 3)));
        Assert.Contains("empty", ex.Message);
    }

    [Fact]
    public void CrossEntropy_ThrowsOnNaNLoss()
    {
        var logits = Variable.Parameter(new Tensor([float.NaN, 0f, 1f, 2f], 2, 2));
        var ex = Assert.Throws<ArithmeticException>(() => F.CrossEntropy(logits, [0, 1]));
        Assert.Contains("NaN", ex.Message);
    }

    [Fact]
    public void CrossEntropy_ThrowsForTargetOutOfRange()
    {
        var ex = Assert.Throws<ArgumentException>(() => F.CrossEntropy(V(2, 3), [0, 3]));
        Assert.Contains("target 3", ex.Message);
    }

    [Fact]
    public void Backward_ThrowsForNonScalarWithoutSeed()
    {
        var y = F.Affine(V(2, 2), 2f);
        Assert.Throws<InvalidOperationException>(() => y.Backward());
    }
}
