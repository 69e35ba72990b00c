// A thread's scratch buffer, grown once and reused, so a kernel allocates nothing in steady state.
namespace Snn.Kernels;

internal static class ThreadBuffer
{
    /// <summary>The first <paramref name="length"/> values of <paramref name="buffer"/> (a [ThreadStatic] field), replaced by a larger array when too short.</summary>
    public static Span<T> Grow<T>(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = new T[length];
        return buffer.AsSpan(0, length);
    }

    /// <summary>As <see cref="Grow{T}"/>, but pinned: the pointer stays valid while the thread keeps the buffer.</summary>
    public static unsafe T* Pinned<T>(ref T[]? buffer, int length) where T : unmanaged
    {
        if (buffer is null || buffer.Length < length) buffer = GC.AllocateUninitializedArray<T>(Math.Max(1, length), pinned: true);
        return (T*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref buffer[0]);
    }
}
