// IdxReader: plain and gzip IDX files, and a clear error naming the file for each kind of bad input.
using System.Buffers.Binary;
using System.IO.Compression;
using Snn.IO;

namespace Snn.Tests.IO;

public class IdxReaderTests
{
    /// <summary>An IDX file of unsigned bytes with the given dims; <paramref name="data"/> need not match them.</summary>
    internal static byte[] Idx(int[] dims, byte[] data, byte type = 0x08)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    internal static byte[] Gzip(byte[] raw)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Fastest)) gz.Write(raw);
        return buffer.ToArray();
    }

    private static readonly byte[] Pixels = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)(i * 10)).ToArray();

    [Fact]
    public void ReadImages_DetectsGzipByContent_NotByExtension()
    {
        using var dir = new TempDirectory();
        string plainNamedGz = dir.File("plain.gz"), gzipNamedPlain = dir.File("packed-idx3-ubyte");
        File.WriteAllBytes(plainNamedGz, Idx([2, 3, 4], Pixels));
        File.WriteAllBytes(gzipNamedPlain, Gzip(Idx([2, 3, 4], Pixels)));

        foreach (var path in new[] { plainNamedGz, gzipNamedPlain })
        {
            var images = IdxReader.ReadImages(path);
            Assert.Equal((2, 3, 4), (images.Count, images.Rows, images.Cols));
            Assert.Equal(Pixels, images.Pixels);
        }
    }

    [Fact]
    public void ReadLabels_ReadsRankOneFile()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("labels"), Gzip(Idx([5], [9, 0, 3, 3, 1])));
        Assert.Equal(new byte[] { 9, 0, 3, 3, 1 }, IdxReader.ReadLabels(dir.File("labels")));
    }

    public static TheoryData<string, byte[], string> BadFiles => new()
    {
        { "wrong magic", [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0], "not an IDX file" },
        { "float element type", Idx([2, 3, 4], Pixels, type: 0x0D), "element type 0x0D" },
        { "labels where images expected", Idx([24], Pixels), "1 dimensions; expected 3" },
        { "header cut short", Idx([2, 3, 4], [])[..9], "truncated" },
        { "data shorter than dims", Idx([3, 3, 4], Pixels), "truncated" },
        { "data longer than dims", Idx([1, 3, 4], Pixels), "more data than its IDX dims [1, 3, 4]" },
        { "gzip of data shorter than dims", Gzip(Idx([3, 3, 4], Pixels)), "truncated" },
        { "gzip stream cut short", Gzip(Idx([2, 3, 4], Pixels))[..20], "" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void ReadImages_ThrowsInvalidDataNamingTheFile_ForBadInput(string caseName, byte[] content, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File(caseName.Replace(' ', '-'));
        File.WriteAllBytes(path, content);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }
}
