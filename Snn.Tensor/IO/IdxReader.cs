// Reads the IDX files that (Fashion-)MNIST ships in: unsigned-byte images [n, rows, cols] and labels [n], plain or gzip.
using System.Buffers.Binary;
using System.IO.Compression;

namespace Snn.IO;

/// <summary>Images from an IDX file: <see cref="Pixels"/> holds <c>Count·Rows·Cols</c> bytes, row-major.</summary>
public sealed record IdxImages(byte[] Pixels, int Count, int Rows, int Cols);

/// <summary>
/// IDX layout: bytes 0–1 are zero, byte 2 is the element type (0x08 = unsigned byte, the only one read here),
/// byte 3 the number of dimensions, then each dimension as a big-endian int32, then the data.
/// Gzip is recognised by its magic bytes 1F 8B, not by the file name, so a renamed file still reads.
/// Every format problem throws <see cref="InvalidDataException"/> with the file path in the message.
/// </summary>
public static class IdxReader
{
    private const byte UnsignedByte = 0x08;

    /// <summary>Reads a rank-3 IDX file as images [n, rows, cols].</summary>
    public static IdxImages ReadImages(string path)
    {
        var (dims, data) = Read(path, expectedRank: 3);
        return new IdxImages(data, dims[0], dims[1], dims[2]);
    }

    /// <summary>Reads a rank-1 IDX file as labels [n].</summary>
    public static byte[] ReadLabels(string path) => Read(path, expectedRank: 1).Data;

    private static (int[] Dims, byte[] Data) Read(string path, int expectedRank)
    {
        using var stream = Open(path);
        var magic = new byte[4];
        ReadFully(stream, magic, path, "the 4-byte IDX magic");
        if (magic[0] != 0 || magic[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file (magic {Convert.ToHexString(magic)}, expected 0000{UnsignedByte:X2}0{expectedRank}).");
        if (magic[2] != UnsignedByte)
            throw new InvalidDataException($"{path}: IDX element type 0x{magic[2]:X2} is not supported; only unsigned bytes (0x08) are.");
        if (magic[3] != expectedRank)
            throw new InvalidDataException($"{path}: IDX file has {magic[3]} dimensions; expected {expectedRank} ({(expectedRank == 3 ? "images [n, rows, cols]" : "labels [n]")}).");

        var dimBytes = new byte[4 * expectedRank];
        ReadFully(stream, dimBytes, path, "the dimension sizes");
        var dims = new int[expectedRank];
        long length = 1;
        for (int i = 0; i < expectedRank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (dims[i] < 0) throw new InvalidDataException($"{path}: negative dimension {dims[i]} in IDX header.");
            length *= dims[i];
        }
        if (length > Array.MaxLength)
            throw new InvalidDataException($"{path}: IDX dims {Tensor.ShapeText(dims)} describe {length} bytes, more than one array can hold.");

        var data = new byte[length];
        ReadFully(stream, data, path, $"data for dims {Tensor.ShapeText(dims)}");
        if (ReadByteChecked(stream, path) >= 0)
            throw new InvalidDataException($"{path}: file holds more data than its IDX dims {Tensor.ShapeText(dims)} describe.");
        return (dims, data);
    }

    private static Stream Open(string path)
    {
        var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[2];
        int got = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        file.Position = 0;
        if (got == 2 && head[0] == 0x1F && head[1] == 0x8B) return new GZipStream(file, CompressionMode.Decompress);
        return file;
    }

    private static void ReadFully(Stream stream, byte[] buffer, string path, string what)
    {
        int got;
        try { got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: corrupt gzip data ({e.Message}).", e); }
        if (got < buffer.Length)
            throw new InvalidDataException($"{path}: file is truncated: {what} needs {buffer.Length} bytes, only {got} remain.");
    }

    private static int ReadByteChecked(Stream stream, string path)
    {
        try { return stream.ReadByte(); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: corrupt gzip data ({e.Message}).", e); }
    }
}
