// The .snn model file: architecture, training metadata and named float32 tensors, versioned and checksummed.
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Snn.IO;

/// <summary>
/// A saved model. Byte layout (all integers little-endian):
/// <code>
/// "SNNM" | u32 format version | u64 file length | u64 header length | header (UTF-8 JSON) | float32 data | u32 CRC-32
/// header = {"architecture": string, "metadata": {string: string}, "tensors": [{"name", "shape", "offset"}]}
/// </code>
/// <c>offset</c> counts bytes from the start of the data section. The CRC-32 covers every byte before it; the file
/// length lets a truncated file be reported as truncated rather than as a checksum failure.
/// Files are written atomically (<see cref="AtomicFile"/>). Format problems throw <see cref="InvalidDataException"/>
/// naming the file.
/// </summary>
public sealed class ModelFile
{
    /// <summary>The format version this build writes and the only one it reads.</summary>
    public const int FormatVersion = 1;

    private static ReadOnlySpan<byte> Magic => "SNNM"u8;
    private const int PrefixLength = 24, ChecksumLength = 4;

    private readonly Dictionary<string, Tensor> _byName;

    /// <summary>The file this was read from.</summary>
    public string Path { get; }

    /// <summary>The architecture description as written (a JSON string; its schema belongs to the model zoo).</summary>
    public string Architecture { get; }

    /// <summary>Free-form training state: epoch, optimizer step, RNG state, ….</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors in the order they were written.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> Tensors { get; }

    private ModelFile(string path, string architecture, IReadOnlyDictionary<string, string> metadata, List<(string, Tensor)> tensors)
    {
        Path = path;
        Architecture = architecture;
        Metadata = metadata;
        Tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Item1, t => t.Item2);
    }

    /// <summary>The tensor called <paramref name="name"/>; a missing name throws <see cref="KeyNotFoundException"/> listing those present.</summary>
    public Tensor Get(string name) =>
        _byName.TryGetValue(name, out var tensor) ? tensor
            : throw new KeyNotFoundException($"{Path}: no tensor '{name}'; the file has {string.Join(", ", _byName.Keys)}.");

    /// <summary>Writes a model file atomically: a crash mid-write leaves any previous file at <paramref name="path"/> intact.</summary>
    public static void Write(string path, string architectureJson, IReadOnlyDictionary<string, string> metadata, IReadOnlyList<(string Name, Tensor Tensor)> tensors)
    {
        ArgumentNullException.ThrowIfNull(architectureJson);
        ArgumentNullException.ThrowIfNull(metadata);
        var names = new HashSet<string>();
        foreach (var (name, _) in tensors)
            if (string.IsNullOrEmpty(name) || !names.Add(name))
                throw new ArgumentException($"ModelFile.Write({path}): tensor name '{name}' is empty or appears twice.", nameof(tensors));

        byte[] header = BuildHeader(architectureJson, metadata, tensors);
        long dataLength = tensors.Sum(t => 4L * t.Tensor.Length);
        long fileLength = PrefixLength + header.Length + dataLength + ChecksumLength;

        AtomicFile.Write(path, stream =>
        {
            var crc = new Crc32();
            var prefix = new byte[PrefixLength];
            Magic.CopyTo(prefix);
            BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(4), FormatVersion);
            BinaryPrimitives.WriteInt64LittleEndian(prefix.AsSpan(8), fileLength);
            BinaryPrimitives.WriteInt64LittleEndian(prefix.AsSpan(16), header.Length);
            foreach (var part in new[] { prefix, header })
            {
                stream.Write(part);
                crc.Append(part);
            }
            foreach (var (_, tensor) in tensors) TensorBytes.WriteFloat32(stream, tensor, crc);
            var checksum = new byte[ChecksumLength];
            BinaryPrimitives.WriteUInt32LittleEndian(checksum, crc.Value);
            stream.Write(checksum);
        });
    }

    private static byte[] BuildHeader(string architectureJson, IReadOnlyDictionary<string, string> metadata, IReadOnlyList<(string Name, Tensor Tensor)> tensors)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("architecture", architectureJson);
            json.WriteStartObject("metadata");
            foreach (var (key, value) in metadata) json.WriteString(key, value);
            json.WriteEndObject();
            json.WriteStartArray("tensors");
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteStartArray("shape");
                foreach (int d in tensor.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteNumber("offset", offset);
                offset += 4L * tensor.Length;
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Reads and validates a model file: magic, version, length, checksum, then the tensor table.</summary>
    public static ModelFile Read(string path)
    {
        long size = new FileInfo(path).Length;
        if (size > Array.MaxLength)
            throw new InvalidDataException($"{path}: {size} bytes is larger than this reader supports (2 GB).");
        byte[] file = File.ReadAllBytes(path);

        if (file.Length >= 4 && !file.AsSpan(0, 4).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not an SnnNet model file (starts with {Convert.ToHexString(file.AsSpan(0, 4))}, expected \"SNNM\").");
        if (file.Length < 8)
            throw new InvalidDataException($"{path}: file is truncated: {file.Length} bytes.");
        int version = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(4));
        if (version != FormatVersion)
            throw new InvalidDataException($"{path}: model file format version {version}; this build of SnnNet reads version {FormatVersion}.");
        if (file.Length < PrefixLength + ChecksumLength)
            throw new InvalidDataException($"{path}: file is truncated: {file.Length} bytes.");

        long expectedLength = BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(8));
        if (file.Length != expectedLength)
            throw new InvalidDataException(file.Length < expectedLength
                ? $"{path}: file is truncated: {file.Length} of {expectedLength} bytes present (interrupted copy or download?)."
                : $"{path}: file is {file.Length} bytes but its header says {expectedLength}; it is damaged.");

        int payloadLength = file.Length - ChecksumLength;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(payloadLength));
        uint actual = Crc32.Compute(file.AsSpan(0, payloadLength));
        if (stored != actual)
            throw new InvalidDataException($"{path}: checksum mismatch (stored CRC-32 {stored:X8}, computed {actual:X8}); the file is corrupt.");

        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(16));
        if (headerLength < 0 || headerLength > payloadLength - PrefixLength)
            throw new InvalidDataException($"{path}: header length {headerLength} does not fit in the file.");
        var data = file.AsSpan(PrefixLength + (int)headerLength, payloadLength - PrefixLength - (int)headerLength);
        return ParseHeader(path, file.AsMemory(PrefixLength, (int)headerLength), data);
    }

    private static ModelFile ParseHeader(string path, ReadOnlyMemory<byte> headerBytes, ReadOnlySpan<byte> data)
    {
        try
        {
            using var header = JsonDocument.Parse(headerBytes);
            var root = header.RootElement;
            string architecture = root.GetProperty("architecture").GetString() ?? "";
            var metadata = new Dictionary<string, string>();
            foreach (var item in root.GetProperty("metadata").EnumerateObject()) metadata[item.Name] = item.Value.GetString() ?? "";

            var tensors = new List<(string, Tensor)>();
            var names = new HashSet<string>();
            foreach (var entry in root.GetProperty("tensors").EnumerateArray())
            {
                string name = entry.GetProperty("name").GetString() ?? "";
                if (!names.Add(name)) throw new InvalidDataException($"{path}: tensor '{name}' appears twice.");
                int[] shape = entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
                long offset = entry.GetProperty("offset").GetInt64();
                long bytes = 4L * Tensor.ElementCount(shape);
                if (offset < 0 || offset + bytes > data.Length)
                    throw new InvalidDataException($"{path}: tensor '{name}' {Tensor.ShapeText(shape)} at byte {offset} runs past the {data.Length}-byte data section.");
                tensors.Add((name, new Tensor(TensorBytes.ReadFloat32(data.Slice((int)offset, (int)bytes), (int)(bytes / 4)), shape)));
            }
            return new ModelFile(path, architecture, metadata, tensors);
        }
        // The checksum passed, so these mean a writer bug or a hand-made file, not damage in transit.
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: malformed header ({e.Message}).", e);
        }
    }
}
