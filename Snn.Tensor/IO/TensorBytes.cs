// Streams a tensor's elements as little-endian float32 bytes, the data layout of both safetensors and .snn files.
using System.Buffers.Binary;

namespace Snn.IO;

internal static class TensorBytes
{
    private const int ChunkFloats = 16 * 1024;

    /// <summary>Writes the elements in logical row-major order (views included), feeding <paramref name="crc"/> the same bytes.</summary>
    public static void WriteFloat32(Stream stream, Tensor tensor, Crc32? crc = null)
    {
        var values = tensor.Contiguous().Span;
        var chunk = new byte[4 * Math.Min(ChunkFloats, Math.Max(values.Length, 1))];
        for (int start = 0; start < values.Length; start += ChunkFloats)
        {
            int n = Math.Min(ChunkFloats, values.Length - start);
            for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(chunk.AsSpan(4 * i), values[start + i]);
            stream.Write(chunk, 0, 4 * n);
            crc?.Append(chunk.AsSpan(0, 4 * n));
        }
    }

    /// <summary>Reads <paramref name="count"/> little-endian float32 values from <paramref name="bytes"/>.</summary>
    public static float[] ReadFloat32(ReadOnlySpan<byte> bytes, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
        return values;
    }
}
