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

    /// <summary>
    /// As <see cref="Grow"/>, for any element type, pinned, from a 64-byte boundary and ending a cache line before the
    /// array does: the pointer stays valid while the thread keeps the buffer, whole-vector loads and stores never split
    /// a line, and no line is shared with another object. Pinned arrays come from one heap that every thread allocates
    /// from, so two threads' scratch buffers can be neighbours, and the small ones (a row's list of nonzeros, a
    /// batch-norm block's sums) are rewritten constantly.
    /// </summary>
    public static unsafe T* Pinned<T>(ref T[]? buffer, int length) where T : unmanaged
    {
        int slack = 128 / sizeof(T);
        if (buffer is null || buffer.Length < length + slack) buffer = GC.AllocateUninitializedArray<T>(length + slack, pinned: true);
        return (T*)(((nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref buffer[0]) + 63) & ~(nint)63);
    }
}
