// Device buffers kept by length and handed out again, so a training loop of same-shaped calls allocates only once.
using ILGPU;
using ILGPU.Runtime;

namespace Snn.Gpu;

/// <summary>
/// Free device buffers keyed by exact length. A backend call rents what it needs and gives everything back with
/// <see cref="ReturnAll"/> when it ends. Buffers are freed only on <see cref="Dispose"/>, so device memory grows to
/// the largest set of lengths one call has needed. Not thread-safe: <see cref="GpuBackend"/> serialises calls.
/// </summary>
internal sealed class DeviceBufferPool(Accelerator accelerator) : IDisposable
{
    private readonly Dictionary<int, Stack<MemoryBuffer1D<float, Stride1D.Dense>>> _free = [];
    private readonly List<(int Length, MemoryBuffer1D<float, Stride1D.Dense> Buffer)> _rented = [];
    private readonly List<MemoryBuffer1D<float, Stride1D.Dense>> _all = [];

    /// <summary>How many device allocations the pool has made; tests use it to prove reuse.</summary>
    public int Allocations => _all.Count;

    /// <summary>A view of exactly <paramref name="length"/> floats on the device (contents undefined).</summary>
    public ArrayView<float> Rent(int length)
    {
        if (!_free.TryGetValue(length, out var stack) || !stack.TryPop(out var buffer))
        {
            // Keep every buffer at least one element long so empty tensors need no special case in the backend.
            buffer = accelerator.Allocate1D<float>(Math.Max(length, 1));
            _all.Add(buffer);
        }
        _rented.Add((length, buffer));
        return buffer.View.SubView(0, length);
    }

    /// <summary>Makes every rented buffer available again; call when the kernels using them have finished.</summary>
    public void ReturnAll()
    {
        foreach (var (length, buffer) in _rented)
        {
            if (!_free.TryGetValue(length, out var stack)) _free[length] = stack = new();
            stack.Push(buffer);
        }
        _rented.Clear();
    }

    public void Dispose()
    {
        foreach (var buffer in _all) buffer.Dispose();
        _all.Clear();
        _rented.Clear();
        _free.Clear();
    }
}
