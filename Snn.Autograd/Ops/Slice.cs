// Taking a range of rows along the leading dim.
namespace Snn.Autograd;

public static partial class F
{
    /// <summary>Rows [start, start+count) of dim 0; the gradient lands in those rows and zeros elsewhere.</summary>
    public static Variable Slice(Variable x, int start, int count)
    {
        var y = x.Data.Slice(start, count).Contiguous();
        return Variable.FromOp(y, [x], gy =>
        {
            var gx = Tensor.ZerosLike(x.Data);
            gy.CopyTo(gx.Slice(start, count));
            x.AccumulateGrad(gx);
        });
    }
}
