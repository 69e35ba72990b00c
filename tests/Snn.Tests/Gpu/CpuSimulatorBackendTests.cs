// Runs the backend conformance claims on ILGPU's CPU accelerator, which every machine has.
using Snn.Gpu;

namespace Snn.Tests.Gpu;

/// <summary>One simulator per class: compiling the kernels is the slow part, so the tests share it.</summary>
public sealed class CpuSimulatorFixture : IDisposable
{
    public GpuBackend Backend { get; } = GpuBackend.CreateCpuSimulator();

    public void Dispose() => Backend.Dispose();
}

public sealed class CpuSimulatorBackendTests(CpuSimulatorFixture fixture)
    : BackendConformanceTests(fixture.Backend), IClassFixture<CpuSimulatorFixture>;
