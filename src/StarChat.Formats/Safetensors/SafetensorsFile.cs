using System.Text.Json;
using StarChat.Engine.Tensors;
using StarChat.Formats.IO;

namespace StarChat.Formats.Safetensors;

/// <summary>
/// A safetensors file, memory-mapped: the JSON header (tensor entries and <c>__metadata__</c>) validated as the
/// reference implementation does (formats.md §4: no duplicate names, offsets contiguous from 0 to the end of the
/// file, byte counts equal to dtype size × shape), and zero-copy tensor views into the data buffer.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>The reference implementation's cap on the header length.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private readonly ByteSource _source;
    private readonly bool _ownsSource;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

    private SafetensorsFile(ByteSource source, bool ownsSource, long headerLength, IReadOnlyDictionary<string, string> metadata,
        List<SafetensorsTensorInfo> tensors)
    {
        _source = source;
        _ownsSource = ownsSource;
        HeaderLength = headerLength;
        Metadata = metadata;
        Tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The path the file was opened from.</summary>
    public string Origin => _source.Origin;

    /// <summary>Length of the JSON header in bytes.</summary>
    public long HeaderLength { get; }

    /// <summary>File offset of the data buffer (8 + header length).</summary>
    public long DataOffset => 8 + HeaderLength;

    /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensor entries in header order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    internal ByteSource Source => _source;

    /// <summary>Maps and validates a safetensors file.</summary>
    /// <exception cref="ModelFormatException">The file is malformed; the message names the field and offset.</exception>
    public static SafetensorsFile Open(string path)
    {
        var source = ByteSource.OpenFile(path);
        try
        {
            return Open(source, ownsSource: true);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    internal static SafetensorsFile Open(ByteSource source, bool ownsSource)
    {
        var r = new ByteReader(source);
        ulong n = r.U64("header length");
        if (n > MaxHeaderLength)
            throw r.Error("header length", $"{n} exceeds the limit of {MaxHeaderLength}", 0);
        if ((long)n > r.Remaining)
            throw r.Error("header length", $"{n} runs past the end of the file (size {source.Length})", 0);
        var header = r.Take((long)n, "header");
        if (header.Length == 0 || header[0] != (byte)'{')
            throw new ModelFormatException(source.Origin, "header", "the JSON header must start with '{'", 8);

        var (metadata, tensors) = ParseHeader(source.Origin, header);
        CheckOffsets(source, tensors, 8 + (long)n);
        return new SafetensorsFile(source, ownsSource, (long)n, metadata, tensors);
    }

    /// <summary>True when the file has a tensor of this name.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The entry named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    public SafetensorsTensorInfo Info(string name) => _byName[name];

    /// <summary>A zero-copy view of the tensor's bytes.</summary>
    /// <exception cref="ModelFormatException">The dtype is one this stack does not use (U16, U32, U64, C64, F8/F6/F4).</exception>
    public TensorView View(SafetensorsTensorInfo info) => View(info, info.Name);

    internal TensorView View(SafetensorsTensorInfo info, string name)
    {
        if (info.Type is not { } type)
            throw new ModelFormatException(Origin, $"tensor '{info.Name}'", $"dtype {info.DType} is not supported (F32, F16, BF16, F64, I8, I16, I32, I64, U8, BOOL are)");
        return new TensorView(name, type, info.Shape, _source.Address(DataOffset + info.Begin), info.ByteLength);
    }

    /// <summary>Releases the mapped file.</summary>
    public void Dispose()
    {
        if (_ownsSource)
            _source.Dispose();
    }

    private static (IReadOnlyDictionary<string, string>, List<SafetensorsTensorInfo>) ParseHeader(string origin, ReadOnlySpan<byte> header)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new List<SafetensorsTensorInfo>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(header, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            Expect(ref reader, JsonTokenType.StartObject, origin, "header");
            while (Read(ref reader, origin) && reader.TokenType == JsonTokenType.PropertyName)
            {
                long at = 8 + reader.TokenStartIndex;
                string name = reader.GetString()!;
                if (name.Length == 0)
                    throw new ModelFormatException(origin, "header", "empty tensor name", at);
                if (!names.Add(name))
                    throw new ModelFormatException(origin, $"header entry '{name}'", "duplicate name", at);
                if (name == "__metadata__")
                    ReadMetadata(ref reader, origin, metadata);
                else
                    tensors.Add(ReadTensor(ref reader, origin, name, at));
            }
            if (reader.TokenType != JsonTokenType.EndObject)
                throw new ModelFormatException(origin, "header", $"unexpected {reader.TokenType}", 8 + reader.TokenStartIndex);
            // Trailing bytes other than the spaces writers pad with are an error (Read() throws on them).
            while (reader.Read())
            {
            }
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(origin, "header", $"invalid JSON ({e.Message})", 8 + reader.BytesConsumed, e);
        }
        catch (InvalidOperationException e)
        {
            throw new ModelFormatException(origin, "header", $"invalid JSON value ({e.Message})", 8 + reader.BytesConsumed, e);
        }
        return (metadata, tensors);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, string origin, Dictionary<string, string> metadata)
    {
        Read(ref reader, origin);
        if (reader.TokenType == JsonTokenType.Null)
            return;
        Expect(ref reader, JsonTokenType.StartObject, origin, "__metadata__", advance: false);
        while (Read(ref reader, origin) && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            Read(ref reader, origin);
            if (reader.TokenType != JsonTokenType.String)
                throw new ModelFormatException(origin, $"__metadata__ '{key}'", "values must be strings", 8 + reader.TokenStartIndex);
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw new ModelFormatException(origin, $"__metadata__ '{key}'", "duplicate key", 8 + reader.TokenStartIndex);
        }
    }

    private static SafetensorsTensorInfo ReadTensor(ref Utf8JsonReader reader, string origin, string name, long at)
    {
        string field = $"tensor '{name}'";
        Read(ref reader, origin);
        Expect(ref reader, JsonTokenType.StartObject, origin, field, advance: false);
        string? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        while (Read(ref reader, origin) && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            Read(ref reader, origin);
            switch (key)
            {
                case "dtype" when reader.TokenType == JsonTokenType.String && dtype is null:
                    dtype = reader.GetString();
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(ref reader, origin, field + " shape");
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadIntegers(ref reader, origin, field + " data_offsets");
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw new ModelFormatException(origin, field, $"'{key}' is repeated or not of the right JSON type", 8 + reader.TokenStartIndex);
                default:
                    reader.Skip();
                    break;
            }
        }
        if (dtype is null || shape is null || offsets is null)
            throw new ModelFormatException(origin, field, "needs dtype, shape and data_offsets", at);
        if (!SafetensorsDType.TryGet(dtype, out int bits, out var type))
            throw new ModelFormatException(origin, field, $"unknown dtype '{dtype}'", at);
        if (offsets.Length != 2)
            throw new ModelFormatException(origin, field, $"data_offsets must hold 2 numbers, found {offsets.Length}", at);
        if (offsets[1] < offsets[0])
            throw new ModelFormatException(origin, field, $"data_offsets end {offsets[1]} is before begin {offsets[0]}", at);
        long elements = 1;
        foreach (long d in shape)
            if (!SafeMath.TryMultiply(elements, d, out elements))
                throw new ModelFormatException(origin, field, "element count overflows 64 bits", at);
        if (!SafeMath.TryMultiply(elements, bits, out long totalBits) || totalBits % 8 != 0)
            throw new ModelFormatException(origin, field, $"{elements} elements of {bits} bits do not make whole bytes", at);
        if (totalBits / 8 != offsets[1] - offsets[0])
            throw new ModelFormatException(origin, field,
                $"{dtype} {FormatShape(shape)} needs {totalBits / 8} bytes but data_offsets cover {offsets[1] - offsets[0]}", at);
        return new SafetensorsTensorInfo(name, dtype, type, new TensorShape(shape), offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(ref Utf8JsonReader reader, string origin, string field)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new ModelFormatException(origin, field, "must be an array of integers", 8 + reader.TokenStartIndex);
        var values = new List<long>();
        while (Read(ref reader, origin) && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v) || v < 0)
                throw new ModelFormatException(origin, field, "must hold non-negative 64-bit integers", 8 + reader.TokenStartIndex);
            values.Add(v);
        }
        return [.. values];
    }

    private static void CheckOffsets(ByteSource source, List<SafetensorsTensorInfo> tensors, long dataOffset)
    {
        long dataLength = source.Length - dataOffset;
        long expectedBegin = 0;
        foreach (var t in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (t.Begin != expectedBegin)
                throw new ModelFormatException(source.Origin, $"tensor '{t.Name}'", t.Begin < expectedBegin
                    ? $"data [{t.Begin}, {t.End}) overlaps the previous tensor (ending at {expectedBegin})"
                    : $"data starts at {t.Begin}, leaving a hole after {expectedBegin}");
            expectedBegin = t.End;
        }
        if (expectedBegin != dataLength)
            throw new ModelFormatException(source.Origin, "data buffer",
                $"tensors cover {expectedBegin} bytes but the file holds {dataLength} after the header (file size {source.Length})");
    }

    private static bool Read(ref Utf8JsonReader reader, string origin)
    {
        if (!reader.Read())
            throw new ModelFormatException(origin, "header", "JSON ends early", 8 + reader.BytesConsumed);
        return true;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string origin, string field, bool advance = true)
    {
        if (advance)
            Read(ref reader, origin);
        if (reader.TokenType != type)
            throw new ModelFormatException(origin, field, $"expected {type}, found {reader.TokenType}", 8 + reader.TokenStartIndex);
    }

    private static string FormatShape(long[] shape) => $"[{string.Join(", ", shape)}]";
}
