// Scratch buffers: the length asked for, zeroed when new, kept when reused, aligned, and far from each other.
using System.Runtime.CompilerServices;
using Snn.Kernels;

namespace Snn.Tests.Kernels;

public unsafe class ThreadBufferTests
{
    [Fact]
    public void Grow_GivesAZeroedBuffer_ThenTheSameOneUntilItIsTooShort()
    {
        float[]? field = null;
        var first = ThreadBuffer.Grow(ref field, 1000);
        Assert.Equal(1000, first.Length);
        Assert.All(first.ToArray(), v => Assert.Equal(0f, v));
        first.Fill(7f);
        var again = ThreadBuffer.Grow(ref field, 500);
        Assert.True(Unsafe.AreSame(ref first[0], ref again[0]));
        Assert.Equal(7f, again[499]);
        var larger = ThreadBuffer.Grow(ref field, 5000);
        Assert.Equal(5000, larger.Length);
        Assert.All(larger.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Buffers_AllocatedOneAfterTheOther_AreAtLeastTheGuardApart()
    {
        // Two threads' scratch arrays come from one heap, often back to back (see ThreadBuffer.GuardBytes).
        float[]? a = null, b = null;
        double[]? c = null;
        var spanA = ThreadBuffer.Grow(ref a, 50_000);
        float* pinnedB = ThreadBuffer.Pinned(ref b, 50_000);
        double* pinnedC = ThreadBuffer.Pinned(ref c, 100);
        fixed (float* pa = spanA)
        {
            var regions = new (long Start, long End)[]
            {
                ((long)pa, (long)(pa + 50_000)), ((long)pinnedB, (long)(pinnedB + 50_000)), ((long)pinnedC, (long)(pinnedC + 100)),
            };
            foreach (var x in regions)
                foreach (var y in regions)
                    if (x != y) Assert.True(y.Start >= x.End + ThreadBuffer.GuardBytes || x.Start >= y.End + ThreadBuffer.GuardBytes,
                        $"scratch regions [{x.Start:X}, {x.End:X}) and [{y.Start:X}, {y.End:X}) are nearer than {ThreadBuffer.GuardBytes} bytes");
        }
        Assert.Equal(0, (long)pinnedB % 64);
        Assert.Equal(0, (long)pinnedC % 64);
        // The region ends a cache line before the array does.
        fixed (float* start = b) Assert.True((long)(pinnedB + 50_000) + 64 <= (long)(start + b!.Length));
    }
}
