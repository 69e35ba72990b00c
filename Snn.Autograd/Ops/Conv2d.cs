// 2-D convolution over any leading batch dims ([N, C, H, W] or time-major [T, N, C, H, W]).
using Snn.Kernels;

namespace Snn.Autograd;

public static partial class F
{
    /// <summary>
    /// y = x ⊛ w + b with zero padding. x [..., C, H, W] (leading dims merged into the batch, so a time-major
    /// [T, N, ...] input is convolved as T·N images), w [O, C, kh, kw], b [O] or null.
    /// Backward: ∂x = ∂y ⊛ᵀ w (BackwardInput), ∂w = Σ ∂y ⊗ x (BackwardWeight), ∂b = Σ ∂y. Sparse 0/1 inputs take
    /// <see cref="SpikeConv2dKernel"/> forward and for ∂w (no bias): the same values up to summation order.
    /// </summary>
    public static Variable Conv2d(Variable x, Variable weight, Variable? bias, int stride = 1, int padding = 0) =>
        Conv2d(x, weight, bias, stride, padding, sparseSpikes: null);

    /// <summary>As the public overload; <paramref name="sparseSpikes"/> is the input's <see cref="SpikeConv2dKernel.IsSparseSpikes"/>
    /// when the caller has scanned it already, or null to scan here.</summary>
    private static Variable Conv2d(Variable x, Variable weight, Variable? bias, int stride, int padding, bool? sparseSpikes)
    {
        if (x.Data.Rank < 4 || weight.Data.Rank != 4)
            throw new ArgumentException($"Conv2d: expected input [..., C, H, W] and weight [O, C, kh, kw], got {Tensor.ShapeText(x.Data.Shape)} and {Tensor.ShapeText(weight.Data.Shape)}.");
        var ws = weight.Data.Shape;
        if (x.Data.Shape[^3] != ws[1])
            throw new ArgumentException($"Conv2d: input {Tensor.ShapeText(x.Data.Shape)} has {x.Data.Shape[^3]} channels; weight {Tensor.ShapeText(ws)} expects {ws[1]}.");
        var lead = x.Data.ShapeArray()[..^3];
        int batch = Tensor.ElementCount(lead);
        var g = Conv2dGeometry.Create(batch, ws[1], x.Data.Shape[^2], x.Data.Shape[^1], ws[0], ws[2], ws[3], stride, padding);
        var input = x.Data.Contiguous();
        var y = Tensor.Uninitialized([.. lead, g.OutChannels, g.OutH, g.OutW]);
        // Spike inputs (0/1, sparse) convolve by accumulating weight rows; the weight gradient likewise.
        bool spikes = sparseSpikes ?? SpikeConv2dKernel.IsSparseSpikes(input.Span);
        if (spikes) SpikeConv2dKernel.Forward(input.Span, weight.Data.Contiguous().Span, bias is null ? default : bias.Data.Span, g, y.Span);
        else Conv2dKernel.Forward(input.Span, weight.Data.Contiguous().Span, bias is null ? default : bias.Data.Span, g, y.Span);
        Variable[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Variable.FromOp(y, inputs, gy =>
        {
            var grad = gy.Contiguous();
            // The kernels overwrite their outputs: zeroing them first was a serial pass over the input's size.
            if (x.RequiresGrad)
            {
                var gx = Tensor.Uninitialized(input.ShapeArray());
                Conv2dKernel.BackwardInput(grad.Span, weight.Data.Contiguous().Span, g, gx.Span);
                x.AccumulateGrad(gx);
            }
            if (weight.RequiresGrad || (bias?.RequiresGrad ?? false))
            {
                var gw = Tensor.Uninitialized(weight.Data.ShapeArray());
                var gb = bias is null ? null : Tensor.Uninitialized(bias.Data.ShapeArray());
                if (spikes && gb is null) SpikeConv2dKernel.BackwardWeight(input.Span, grad.Span, g, gw.Span);
                else Conv2dKernel.BackwardWeight(input.Span, grad.Span, g, gw.Span, gb is null ? default : gb.Span);
                weight.AccumulateGrad(gw);
                if (gb is not null) bias!.AccumulateGrad(gb);
            }
        });
    }
}
