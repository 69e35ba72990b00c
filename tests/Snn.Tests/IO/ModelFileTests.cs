// ModelFile (.snn): round trip, and a clear error for each way a file can be damaged or foreign.
using System.Buffers.Binary;
using Snn.IO;

namespace Snn.Tests.IO;

public class ModelFileTests
{
    private const string Arch = """{"model":"csnn","channels":[16,32]}""";
    private static readonly Dictionary<string, string> Meta = new() { ["epoch"] = "7", ["optimizer.step"] = "4200", ["rng"] = "0123abcd" };

    private static (string, Tensor)[] SomeTensors() =>
    [
        ("conv1.weight", new Tensor([1f, -2f, 3.5f, float.Epsilon, -0f, 6f], 1, 2, 3)),
        ("fc.bias", new Tensor([0.25f, float.MaxValue], 2)),
        ("empty", Tensor.Zeros(0, 4)),
    ];

    private static string WriteSample(TempDirectory dir)
    {
        string path = dir.File("model.snn");
        ModelFile.Write(path, Arch, Meta, SomeTensors());
        return path;
    }

    [Fact]
    public void WriteThenRead_RoundTripsArchitectureMetadataAndTensors()
    {
        using var dir = new TempDirectory();
        var model = ModelFile.Read(WriteSample(dir));

        Assert.Equal(Arch, model.Architecture);
        Assert.Equal(Meta.OrderBy(kv => kv.Key), model.Metadata.OrderBy(kv => kv.Key));
        Assert.Equal(SomeTensors().Select(t => t.Item1), model.Tensors.Select(t => t.Name));
        foreach (var (name, tensor) in SomeTensors())
        {
            Assert.Equal(tensor.ShapeArray(), model.Get(name).ShapeArray());
            Assert.Equal(tensor.ToArray(), model.Get(name).ToArray());
        }
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void Get_UnknownName_ListsTheTensorsPresent()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<KeyNotFoundException>(() => ModelFile.Read(WriteSample(dir)).Get("conv9.weight"));
        Assert.Contains("conv9.weight", e.Message);
        Assert.Contains("conv1.weight, fc.bias", e.Message);
    }

    [Fact]
    public void Read_TruncatedFile_SaysTruncated()
    {
        using var dir = new TempDirectory();
        string path = WriteSample(dir);
        foreach (int keep in new[] { 3, 10, 30, (int)new FileInfo(path).Length - 1 })
        {
            File.WriteAllBytes(path, File.ReadAllBytes(path)[..keep]);
            var e = Assert.Throws<InvalidDataException>(() => ModelFile.Read(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("truncated", e.Message);
            path = WriteSample(dir);
        }
    }

    [Fact]
    public void Read_AnyFlippedByteAfterTheLengthFields_FailsTheChecksum()
    {
        using var dir = new TempDirectory();
        string path = WriteSample(dir);
        byte[] good = File.ReadAllBytes(path);
        for (int at = 24; at < good.Length; at++)
        {
            byte[] bad = (byte[])good.Clone();
            bad[at] ^= 0x10;
            File.WriteAllBytes(path, bad);
            var e = Assert.Throws<InvalidDataException>(() => ModelFile.Read(path));
            Assert.Contains("checksum mismatch", e.Message);
        }
    }

    [Fact]
    public void Read_UnknownVersion_NamesBothVersions()
    {
        using var dir = new TempDirectory();
        string path = WriteSample(dir);
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 99);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Read(path));
        Assert.Contains("version 99", e.Message);
        Assert.Contains($"reads version {ModelFile.FormatVersion}", e.Message);
    }

    [Fact]
    public void Read_ForeignFile_SaysItIsNotAModel()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        Safetensors.Write(path, SomeTensors());
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Read(path));
        Assert.Contains("not an SnnNet model file", e.Message);
    }

    [Fact]
    public void Write_DuplicateTensorName_Throws()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() => ModelFile.Write(dir.File("m.snn"), Arch, Meta, [("w", Tensor.Zeros(1)), ("w", Tensor.Zeros(1))]));
        Assert.Contains("'w'", e.Message);
        Assert.False(File.Exists(dir.File("m.snn")));
    }
}
