// CRC-32 (IEEE 802.3, the zip/gzip/PNG polynomial) so model files carry a checksum without native crypto libraries.
namespace Snn.IO;

/// <summary>
/// Table-driven CRC-32, reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF.
/// Written here rather than taken from System.Security.Cryptography because NativeAOT builds of the latter need
/// OpenSSL on the target, and an edge device reading a model should not. Detects every single-byte change and
/// every burst of up to 32 bits; it guards against damage, not against tampering.
/// </summary>
internal sealed class Crc32
{
    private static readonly uint[] Table = BuildTable();
    private uint _state = 0xFFFFFFFFu;

    public void Append(ReadOnlySpan<byte> data)
    {
        uint crc = _state;
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        _state = crc;
    }

    public uint Value => _state ^ 0xFFFFFFFFu;

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = new Crc32();
        crc.Append(data);
        return crc.Value;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
