// Chooses the backend once, at the edge of the program.
namespace Snn.Backends;

/// <summary>
/// The backend every op dispatches to. The CPU backend is the default; a program that wants another calls
/// <see cref="Use"/> once at start-up (for example with Snn.Gpu's ILGPU backend). Layers never choose.
/// </summary>
public static class Backend
{
    public static ITensorBackend Current { get; private set; } = new CpuBackend();

    public static void Use(ITensorBackend backend) => Current = backend ?? throw new ArgumentNullException(nameof(backend));
}
