// Reads and writes the safetensors format (Hugging Face), the interchange format for PyTorch weights.
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Snn.IO;

/// <summary>
/// Layout: an 8-byte little-endian header length, a UTF-8 JSON header mapping each tensor name to
/// <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (offsets relative to the end of the header), an optional
/// <c>"__metadata__"</c> map of strings, then the raw little-endian data. F32, F16 and BF16 are read (as float32);
/// F32 is written. Format errors throw <see cref="InvalidDataException"/> naming the file and, where one is involved,
/// the tensor.
/// </summary>
public static class Safetensors
{
    private const string MetadataKey = "__metadata__";

    /// <summary>Reads every tensor in <paramref name="path"/>, keyed by name.</summary>
    public static IReadOnlyDictionary<string, Tensor> Read(string path) => Read(path, out _);

    /// <summary>Reads every tensor and the string map stored under <c>__metadata__</c> (empty when absent).</summary>
    public static IReadOnlyDictionary<string, Tensor> Read(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        byte[] file = ReadAllBytes(path);
        if (file.Length < 8)
            throw new InvalidDataException($"{path}: file is truncated: {file.Length} bytes, too short for the 8-byte header length.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > (ulong)(file.Length - 8))
            throw new InvalidDataException($"{path}: file is truncated or not safetensors: header length {headerLength} exceeds the {file.Length - 8} bytes after it.");
        int dataStart = 8 + (int)headerLength;
        var data = file.AsSpan(dataStart);

        JsonDocument header;
        try { header = JsonDocument.Parse(file.AsMemory(8, (int)headerLength)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: header is not valid JSON ({e.Message}).", e); }

        using (header)
        {
            if (header.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: header must be a JSON object of tensors.");
            var tensors = new Dictionary<string, Tensor>();
            var meta = new Dictionary<string, string>();
            foreach (var entry in header.RootElement.EnumerateObject())
            {
                if (entry.Name == MetadataKey) ReadMetadata(path, entry.Value, meta);
                else if (!tensors.TryAdd(entry.Name, ReadTensor(path, entry.Name, entry.Value, data)))
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' appears twice in the header.");
            }
            metadata = meta;
            return tensors;
        }
    }

    private static Tensor ReadTensor(string path, string name, JsonElement info, ReadOnlySpan<byte> data)
    {
        string Where() => $"{path}: tensor '{name}'";
        if (info.ValueKind != JsonValueKind.Object
            || !info.TryGetProperty("dtype", out var dtypeJson) || dtypeJson.ValueKind != JsonValueKind.String
            || !info.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array
            || !info.TryGetProperty("data_offsets", out var offsetsJson) || offsetsJson.ValueKind != JsonValueKind.Array || offsetsJson.GetArrayLength() != 2)
            throw new InvalidDataException($"{Where()}: entry needs \"dtype\" (string), \"shape\" (array) and \"data_offsets\" ([begin, end]).");

        string dtype = dtypeJson.GetString()!;
        int elementSize = dtype switch { "F32" => 4, "F16" or "BF16" => 2, _ => 0 };
        if (elementSize == 0)
            throw new InvalidDataException($"{Where()}: dtype {dtype} is not supported; F32, F16 and BF16 are.");

        var shape = new int[shapeJson.GetArrayLength()];
        int d = 0;
        foreach (var dim in shapeJson.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt32(out shape[d]) || shape[d] < 0)
                throw new InvalidDataException($"{Where()}: shape {shapeJson.GetRawText()} is not a list of non-negative int32 sizes.");
            d++;
        }
        long count = 1;
        foreach (int s in shape) count *= s;
        if (count > Array.MaxLength)
            throw new InvalidDataException($"{Where()}: shape {Tensor.ShapeText(shape)} has more elements than one array can hold.");

        if (!offsetsJson[0].TryGetInt64(out long begin) || !offsetsJson[1].TryGetInt64(out long end))
            throw new InvalidDataException($"{Where()}: data_offsets {offsetsJson.GetRawText()} are not integers.");
        if (begin < 0 || end < begin || end > data.Length)
            throw new InvalidDataException($"{Where()}: data_offsets [{begin}, {end}] lie outside the {data.Length}-byte data section (file truncated?).");
        if (end - begin != count * elementSize)
            throw new InvalidDataException($"{Where()}: {end - begin} bytes of {dtype} do not match shape {Tensor.ShapeText(shape)} ({count * elementSize} bytes).");

        var bytes = data.Slice((int)begin, (int)(end - begin));
        if (dtype == "F32") return new Tensor(TensorBytes.ReadFloat32(bytes, (int)count), shape);
        var values = new float[count];
        if (dtype == "F16")
            for (int i = 0; i < values.Length; i++) values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
        else // BF16 is the top half of a float32.
            for (int i = 0; i < values.Length; i++) values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
        return new Tensor(values, shape);
    }

    private static void ReadMetadata(string path, JsonElement json, Dictionary<string, string> into)
    {
        if (json.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: {MetadataKey} must be an object of strings.");
        foreach (var item in json.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{path}: {MetadataKey} entry '{item.Name}' is not a string.");
            into[item.Name] = item.Value.GetString()!;
        }
    }

    /// <summary>Writes <paramref name="tensors"/> as F32 safetensors, atomically (see <see cref="AtomicFile"/>).</summary>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = new HashSet<string>();
        foreach (var (name, _) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == MetadataKey)
                throw new ArgumentException($"Safetensors.Write({path}): '{name}' is not a usable tensor name.", nameof(tensors));
            if (!names.Add(name))
                throw new ArgumentException($"Safetensors.Write({path}): tensor name '{name}' appears twice.", nameof(tensors));
        }

        byte[] header = BuildHeader(tensors, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var (_, tensor) in tensors) TensorBytes.WriteFloat32(stream, tensor);
        });
    }

    // The header is space-padded to a multiple of 8 so the data that follows is aligned, as the reference writer does.
    private static byte[] BuildHeader(IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in tensor.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset += 4L * tensor.Length);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        while (buffer.Length % 8 != 0) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static byte[] ReadAllBytes(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > Array.MaxLength)
            throw new InvalidDataException($"{path}: {length} bytes is larger than this reader supports (2 GB).");
        return File.ReadAllBytes(path);
    }
}
