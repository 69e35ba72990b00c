// A thread's scratch buffer, grown once and reused, so a kernel allocates nothing in steady state.
namespace Snn.Kernels;

internal static class ThreadBuffer
{
    /// <summary>
    /// Unused bytes in front of every scratch buffer, so that two threads' buffers are never nearer than this.
    /// Two threads each running the neuron kernel in place over their own 200 KB buffer (Zen 5 guest, round 16) took
    /// 5.4 µs a call alone, and 12–23 µs when the buffers were 0–100 KB apart, as scratch arrays allocated one after
    /// the other are; 300 KB or more apart, 5.3 µs. Native memory behaved the same, and aligning the buffers did not
    /// help, so it is the distance that matters; why is not understood. In the csnn inference batch the per-thread
    /// loops then ran at the same speed on both threads, where one had taken 1.5–1.7× longer a chunk than the other,
    /// and the batch took 2.4–2.6 ms on two threads instead of 3.2. The guard's pages are never written, so they
    /// take address space, not memory.
    /// </summary>
    internal const int GuardBytes = 512 * 1024;

    /// <summary>
    /// <paramref name="length"/> floats of <paramref name="buffer"/> (a [ThreadStatic] field): <see cref="Pinned"/>'s
    /// buffer, zeroed when it is new; a reused one holds what the thread last wrote.
    /// </summary>
    public static unsafe Span<float> Grow(ref float[]? buffer, int length)
    {
        var before = buffer;
        var span = new Span<float>(Pinned(ref buffer, length), length);
        if (!ReferenceEquals(before, buffer)) span.Clear();
        return span;
    }

    /// <summary>
    /// <paramref name="length"/> values of <paramref name="buffer"/> (a [ThreadStatic] field), uninitialised, behind a
    /// guard (<see cref="GuardBytes"/>), from a 64-byte boundary and ending a cache line before the array does; the
    /// array is replaced by a larger one when too short. The pointer stays valid while the thread keeps the buffer
    /// (the array is pinned), whole-vector loads and stores never split a line, and no line is shared with another
    /// object. Pinned arrays come from one heap that every thread allocates from, so without the guard two threads'
    /// scratch buffers would be neighbours.
    /// </summary>
    public static unsafe T* Pinned<T>(ref T[]? buffer, int length) where T : unmanaged
    {
        int slack = (GuardBytes + 128) / sizeof(T);
        if (buffer is null || buffer.Length < length + slack) buffer = GC.AllocateUninitializedArray<T>(length + slack, pinned: true);
        return (T*)(((nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref buffer[0]) + GuardBytes + 63) & ~(nint)63);
    }
}
