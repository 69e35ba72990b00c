// A [Fact] that xunit reports as skipped, never passed, when the machine has no CUDA device.
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace Snn.Tests.Gpu;

/// <summary>xunit 2 cannot skip at run time, so the device probe runs when the attribute is constructed.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> HasCuda = new(() =>
    {
        using var context = Context.Create(builder => builder.Cuda());
        return context.GetCudaDevices().Count > 0;
    });

    public CudaFactAttribute()
    {
        if (!HasCuda.Value) Skip = "no CUDA device";
    }
}
