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
}
