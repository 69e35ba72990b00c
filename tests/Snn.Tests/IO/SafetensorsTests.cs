// Safetensors: the PyTorch-exported interop model reads with its names and shapes; F16/BF16 convert; bad files name the tensor.
using System.Buffers.Binary;
using System.Text;
using Snn.IO;

namespace Snn.Tests.IO;

public class SafetensorsTests
{
    private static string InteropModel => Path.Combine(AppContext.BaseDirectory, "interop", "model.safetensors");

    /// <summary>A safetensors file from a hand-written header and data section, as another writer might produce it.</summary>
    private static byte[] SafetensorsBytes(string headerJson, byte[] data)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    [Fact]
    public void Read_InteropModel_HasPyTorchStateDictNamesAndShapes()
    {
        var tensors = Safetensors.Read(InteropModel, out var metadata);
        var expected = new Dictionary<string, int[]>
        {
            ["conv1.weight"] = [16, 1, 3, 3], ["bn1.weight"] = [16], ["bn1.bias"] = [16],
            ["bn1.running_mean"] = [16], ["bn1.running_var"] = [16], ["conv2.weight"] = [32, 16, 3, 3],
            ["bn2.weight"] = [32], ["bn2.bias"] = [32], ["bn2.running_mean"] = [32], ["bn2.running_var"] = [32],
            ["fc.weight"] = [10, 1568], ["fc.bias"] = [10],
        };
        Assert.Equal(expected.Keys.Order(), tensors.Keys.Order());
        foreach (var (name, shape) in expected) Assert.Equal(shape, tensors[name].ShapeArray());
        Assert.Equal("pt", metadata["format"]);
        Assert.All(tensors["bn1.running_var"].ToArray(), v => Assert.True(v > 0)); // variances: a byte-order slip would not give this
    }

    [Fact]
    public void Write_ThenRead_RoundTripsF32ViewsAndMetadata()
    {
        using var dir = new TempDirectory();
        var weight = new Tensor([1.5f, -2f, 3.25f, float.MinValue, 0f, 1e-30f], 2, 3);
        var bias = new Tensor([7f, 8f], 2);
        Safetensors.Write(dir.File("m.safetensors"), [("w.t", weight.Transpose(0, 1)), ("b", bias)], new Dictionary<string, string> { ["epoch"] = "3" });

        var back = Safetensors.Read(dir.File("m.safetensors"), out var metadata);
        Assert.Equal(weight.Transpose(0, 1).ToArray(), back["w.t"].ToArray());
        Assert.Equal([3, 2], back["w.t"].ShapeArray());
        Assert.Equal(bias.ToArray(), back["b"].ToArray());
        Assert.Equal("3", metadata["epoch"]);
    }

    [Fact]
    public void Read_ConvertsF16AndBF16ToFloat32()
    {
        float[] values = [1f, -0.5f, 3.75f, 0f, -65504f, 0.125f]; // all exact in F16; -65504 is not exact in BF16
        var f16 = new byte[2 * values.Length];
        var bf16 = new byte[2 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(f16.AsSpan(2 * i), (Half)values[i]);
            BinaryPrimitives.WriteUInt16LittleEndian(bf16.AsSpan(2 * i), (ushort)(BitConverter.SingleToInt32Bits(values[i]) >> 16));
        }
        using var dir = new TempDirectory();
        string header = """{"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[6],"data_offsets":[12,24]}}""";
        File.WriteAllBytes(dir.File("half.safetensors"), SafetensorsBytes(header, [.. f16, .. bf16]));

        var back = Safetensors.Read(dir.File("half.safetensors"));
        Assert.Equal(values, back["h"].ToArray());
        Assert.Equal([2, 3], back["h"].ShapeArray());
        // BF16 keeps 8 mantissa bits: -65504 = -1.99951171875·2^15 truncates to -1.9921875·2^15 = -65280.
        Assert.Equal([1f, -0.5f, 3.75f, 0f, -65280f, 0.125f], back["b"].ToArray());
    }

    public static TheoryData<string, byte[], string> BadFiles => new()
    {
        { "shorter than length", [1, 2, 3], "truncated" },
        { "header past end", SafetensorsBytes("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", [])[..20], "truncated" },
        { "data past end", SafetensorsBytes("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", new byte[4]), "tensor 'a': data_offsets [0, 8] lie outside" },
        { "negative offset", SafetensorsBytes("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}""", new byte[4]), "tensor 'a': data_offsets [-4, 0]" },
        { "unsupported dtype", SafetensorsBytes("""{"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}""", new byte[8]), "tensor 'n': dtype I64 is not supported" },
        { "size not shape", SafetensorsBytes("""{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}""", new byte[12]), "tensor 'w': 12 bytes of F32 do not match shape [2, 2] (16 bytes)" },
        { "missing field", SafetensorsBytes("""{"w":{"dtype":"F32","data_offsets":[0,4]}}""", new byte[4]), "tensor 'w': entry needs" },
        { "not json", SafetensorsBytes("""{"w":""", []), "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Read_ThrowsInvalidDataNamingFileAndTensor_ForBadInput(string caseName, byte[] content, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File(caseName.Replace(' ', '-') + ".safetensors");
        File.WriteAllBytes(path, content);
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }
}
