// The model-file checksum is standard CRC-32, so other tools can verify a .snn file.
using Snn.IO;

namespace Snn.Tests.IO;

public class Crc32Tests
{
    [Fact]
    public void Compute_MatchesTheStandardCheckValue() => Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));

    [Fact]
    public void Append_InPieces_EqualsOneShot()
    {
        byte[] data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        var crc = new Crc32();
        crc.Append(data.AsSpan(0, 333));
        crc.Append(data.AsSpan(333));
        Assert.Equal(Crc32.Compute(data), crc.Value);
    }
}
