// A thread's scratch buffer, grown once and reused, so a kernel allocates nothing in steady state.
namespace Snn.Kernels;

internal static class ThreadBuffer
{
    /// <summary>The first <paramref name="length"/> floats of <paramref name="buffer"/> (a [ThreadStatic] field), replaced by a larger array when too short.</summary>
    public static Span<float> Grow(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = new float[length];
        return buffer.AsSpan(0, length);
    }

    /// <summary>As <see cref="Grow"/>, for any element type and pinned: the pointer stays valid while the thread keeps the buffer.</summary>
    public static unsafe T* Pinned<T>(ref T[]? buffer, int length) where T : unmanaged
    {
        if (buffer is null || buffer.Length < length) buffer = GC.AllocateUninitializedArray<T>(Math.Max(1, length), pinned: true);
        return (T*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref buffer[0]);
    }

    /// <summary><paramref name="length"/> floats of a pinned buffer from its first 64-byte boundary (16 floats of slack
    /// are allocated for it): whole-vector loads and stores then never split a cache line.</summary>
    public static unsafe float* Aligned(ref float[]? buffer, int length) =>
        (float*)(((nint)Pinned(ref buffer, length + 16) + 63) & ~(nint)63);
}
