// Tensor views, shapes and errors.
namespace Snn.Tests;

public class TensorTests
{
    [Fact]
    public void Permute_IsAView_AndContiguousCopiesInLogicalOrder()
    {
        var t = new Tensor([1, 2, 3, 4, 5, 6], 2, 3);
        var tt = t.Transpose(0, 1);
        Assert.False(tt.IsContiguous);
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, tt.ToArray());
        t[0, 1] = 20;
        Assert.Equal(20, tt[1, 0]);
    }

    [Fact]
    public void Reshape_InfersMinusOne_AndRejectsBadCounts()
    {
        var t = Tensor.Zeros(2, 3, 4);
        Assert.Equal(new[] { 6, 4 }, t.Reshape(-1, 4).ShapeArray());
        var ex = Assert.Throws<ArgumentException>(() => t.Reshape(5, -1));
        Assert.Contains("[5, -1]", ex.Message);
    }

    [Fact]
    public void Slice_SharesStorage_AlongLeadingDim()
    {
        var t = new Tensor([0, 1, 2, 3, 4, 5], 3, 2);
        var s = t.Slice(1, 2);
        Assert.Equal(new float[] { 2, 3, 4, 5 }, s.ToArray());
        s[0, 0] = 9;
        Assert.Equal(9, t[1, 0]);
    }
}
