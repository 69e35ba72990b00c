// Backward from a caller's seed gradient: read in place, never written, copied only where it would be added into.
using Snn.Autograd;

namespace Snn.Tests.Autograd;

public class BackwardSeedTests
{
    private static readonly float[] SeedValues = [1f, -2f, 3f, -4f, 5f, -6f];

    [Fact]
    public void FromAnInteriorNode_TheSeedIsReadInPlace_AndLeftUnchanged()
    {
        var x = Variable.Parameter(new Tensor([0.5f, 1f, 1.5f, 2f, 2.5f, 3f], 2, 3));
        // The reshape hands its gradient on unchanged, and the add gives x two gradients to sum: either would write
        // into the seed were it not copied on the way.
        var root = F.Reshape(F.Add(x, x), 6);
        var seed = new Tensor((float[])SeedValues.Clone(), 6);
        root.Backward(seed);
        Assert.Equal(SeedValues, seed.ToArray());
        Assert.Equal(SeedValues.Select(g => 2 * g), x.Grad!.ToArray());
    }

    [Fact]
    public void FromALeaf_TheSeedIsCopied_SoALaterPassAddsIntoTheCopy()
    {
        var x = Variable.Parameter(new Tensor(new float[6], 6));
        var seed = new Tensor((float[])SeedValues.Clone(), 6);
        x.Backward(seed);
        x.Backward(seed);
        Assert.NotSame(seed, x.Grad);
        Assert.Equal(SeedValues, seed.ToArray());
        Assert.Equal(SeedValues.Select(g => 2 * g), x.Grad!.ToArray());
    }
}
