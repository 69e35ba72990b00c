// Pooling layers: max, average, global average.
using Snn.Autograd;

namespace Snn.Layers;

/// <summary>Max pooling over [..., C, H, W]; stride defaults to the kernel.</summary>
public sealed class MaxPool2d(int kernel, int? stride = null, int padding = 0) : Module
{
    public int Kernel => kernel;
    public int Stride => stride ?? kernel;
    public int Padding => padding;

    public override Variable Forward(Variable x) => F.MaxPool2d(x, kernel, Stride, padding);
}

/// <summary>Average pooling over non-overlapping kernel×kernel windows.</summary>
public sealed class AvgPool2d(int kernel) : Module
{
    public override Variable Forward(Variable x) => F.AvgPool2d(x, kernel);
}

/// <summary>Mean over H and W: [..., C, H, W] → [..., C].</summary>
public sealed class GlobalAvgPool2d : Module
{
    public override Variable Forward(Variable x) => F.GlobalAvgPool2d(x);
}
