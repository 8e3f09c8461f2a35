using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using StarChat.Engine.Tensors;
using StarChat.Formats.IO;

namespace StarChat.Formats.Gguf;

/// <summary>
/// A GGUF file (v2 or v3), memory-mapped: metadata as a typed key → value map, tensor infos, and zero-copy tensor
/// views into the data section. Every count, length and offset is checked against the file size before it is used
/// (formats.md §7). Dispose releases the map; views handed out become invalid.
/// </summary>
public sealed class GgufFile : IDisposable
{
    /// <summary>"GGUF" read as a little-endian u32.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>Alignment of the data section and of each tensor when <c>general.alignment</c> is absent.</summary>
    public const uint DefaultAlignment = 32;

    /// <summary>ggml's GGML_MAX_NAME (64) counts the terminating zero, so names may hold 63 bytes.</summary>
    public const int MaxTensorNameBytes = 63;

    /// <summary>ggml's GGML_MAX_DIMS.</summary>
    public const int MaxDims = 4;

    // ggml caps every string and array length at 2^30 (formats.md §7.2); lengths are also checked against the bytes left.
    private const long MaxLength = 1L << 30;
    private const int MaxArrayNesting = 8;

    private readonly ByteSource _source;
    private readonly bool _ownsSource;
    private readonly Dictionary<string, GgufTensorInfo> _byName;

    private GgufFile(ByteSource source, bool ownsSource, uint version, GgufMetadata metadata, uint alignment,
        List<GgufTensorInfo> tensors, long dataOffset)
    {
        _source = source;
        _ownsSource = ownsSource;
        Version = version;
        Metadata = metadata;
        Alignment = alignment;
        Tensors = tensors;
        DataOffset = dataOffset;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The path the file was opened from.</summary>
    public string Origin => _source.Origin;

    /// <summary>GGUF version: 2 or 3.</summary>
    public uint Version { get; }

    /// <summary>Every key → value pair, in file order.</summary>
    public GgufMetadata Metadata { get; }

    /// <summary><c>general.alignment</c>, or 32.</summary>
    public uint Alignment { get; }

    /// <summary>Tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>File offset of the data section.</summary>
    public long DataOffset { get; }

    /// <summary>Size of the file in bytes.</summary>
    public long FileLength => _source.Length;

    internal ByteSource Source => _source;

    /// <summary>Maps and validates a GGUF file.</summary>
    /// <exception cref="ModelFormatException">The file is not a valid GGUF v2/v3 file; the message names the field and offset.</exception>
    public static GgufFile Open(string path)
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

    internal static GgufFile Open(ByteSource source, bool ownsSource)
    {
        var r = new ByteReader(source);
        if (source.Length < 4 || r.U32("magic") != Magic)
            throw new ModelFormatException(source.Origin, "magic", "not a GGUF file (expected \"GGUF\")", 0);
        uint version = r.U32("version");
        if (version != 0 && (version & 0xFFFF) == 0)
            throw r.Error("version", $"version 0x{version:X8} looks byte-swapped: big-endian GGUF files are not supported", 4);
        if (version == 1)
            throw r.Error("version", "GGUF v1 (32-bit counts, August 2023) is not supported; re-convert the model to GGUF v3", 4);
        if (version is not (2 or 3))
            throw r.Error("version", $"GGUF version {version} is not supported; v2 and v3 are", 4);

        ulong tensorCount = r.U64("tensor_count");
        ulong kvCount = r.U64("kv_count");
        // Smallest possible records: a KV is key length (8) + 1 key byte + type (4) + 1 value byte; a tensor info is
        // name length (8) + 1 name byte + n_dims (4) + type (4) + offset (8). Counts beyond that cannot fit.
        if (kvCount > (ulong)(r.Remaining / 14))
            throw r.Error("kv_count", $"{kvCount} metadata pairs cannot fit in the {r.Remaining} bytes left", 16);
        if (tensorCount > (ulong)(r.Remaining / 25))
            throw r.Error("tensor_count", $"{tensorCount} tensor infos cannot fit in the {r.Remaining} bytes left", 8);

        var pairs = new List<KeyValuePair<string, GgufValue>>((int)kvCount);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < (long)kvCount; i++)
        {
            long at = r.Position;
            string key = ReadString(r, $"metadata pair {i} key");
            if (key.Length == 0)
                throw r.Error($"metadata pair {i} key", "empty key", at);
            if (!keys.Add(key))
                throw r.Error($"metadata '{key}'", "duplicate key", at);
            string field = $"metadata '{key}'";
            uint type = r.U32(field);
            pairs.Add(new(key, ReadValue(r, type, field, depth: 0)));
        }
        var metadata = new GgufMetadata(source.Origin, pairs);
        uint alignment = ReadAlignment(metadata, source.Origin);

        var tensors = new List<GgufTensorInfo>((int)tensorCount);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < (long)tensorCount; i++)
            tensors.Add(ReadTensorInfo(r, i, alignment, names));

        long dataOffset = AlignUp(r.Position, alignment);
        CheckPlacement(source, tensors, dataOffset);
        return new GgufFile(source, ownsSource, version, metadata, alignment, tensors, dataOffset);
    }

    /// <summary>True when the file has a tensor of this name.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The info of the tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    public GgufTensorInfo Info(string name) => _byName[name];

    /// <summary>A zero-copy view of the tensor's bytes, named as in the file.</summary>
    public TensorView View(GgufTensorInfo info) => View(info, info.Name);

    internal TensorView View(GgufTensorInfo info, string name)
        => new(name, info.Type, info.Shape, _source.Address(DataOffset + info.Offset), info.ByteLength);

    /// <summary>Releases the mapped file.</summary>
    public void Dispose()
    {
        if (_ownsSource)
            _source.Dispose();
    }

    private static uint ReadAlignment(GgufMetadata metadata, string origin)
    {
        if (!metadata.TryGetValue("general.alignment", out var value))
            return DefaultAlignment;
        if (value.Value is not uint alignment)
            throw new ModelFormatException(origin, "metadata 'general.alignment'", $"must be a u32, found {value.Type}");
        if (alignment == 0 || (alignment & (alignment - 1)) != 0)
            throw new ModelFormatException(origin, "metadata 'general.alignment'", $"{alignment} is not a power of two");
        return alignment;
    }

    private static GgufTensorInfo ReadTensorInfo(ByteReader r, long index, uint alignment, HashSet<string> names)
    {
        long at = r.Position;
        string field = $"tensor info {index}";
        long nameLength = (long)Math.Min(r.U64(field + " name length"), long.MaxValue);
        if (nameLength > MaxTensorNameBytes)
            throw r.Error(field, $"name of {nameLength} bytes is longer than ggml's limit of {MaxTensorNameBytes}", at);
        string name = r.Utf8(nameLength, field + " name");
        if (name.Length == 0)
            throw r.Error(field, "empty tensor name", at);
        field = $"tensor info {index} '{name}'";
        if (!names.Add(name))
            throw r.Error(field, "duplicate tensor name", at);

        uint nDims = r.U32(field + " n_dims");
        if (nDims > MaxDims)
            throw r.Error(field, $"{nDims} dimensions; ggml allows at most {MaxDims}", r.Position - 4);
        Span<long> ne = stackalloc long[(int)nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++)
        {
            ulong dim = r.U64(field + " ne");
            if (dim > long.MaxValue)
                throw r.Error(field, $"dimension {d} = {dim} is negative as int64", r.Position - 8);
            ne[d] = (long)dim;
            if (!SafeMath.TryMultiply(elements, ne[d], out elements))
                throw r.Error(field, "element count overflows 64 bits", r.Position - 8);
        }
        long typeAt = r.Position;
        uint typeId = r.U32(field + " type");
        if (!GgmlTypeIds.TryGetSupported(typeId, out var type))
            throw r.Error(field, GgmlTypeIds.Refusal(typeId), typeAt);
        int block = TensorTypeInfo.BlockSize(type);
        if (nDims > 0 && ne[0] % block != 0)
            throw r.Error(field, $"row length {ne[0]} is not a multiple of the {TensorTypeInfo.Name(type)} block size {block}", typeAt);
        long byteLength = elements / block;
        if (!SafeMath.TryMultiply(byteLength, TensorTypeInfo.BlockBytes(type), out byteLength))
            throw r.Error(field, "byte size overflows 64 bits", typeAt);

        long offsetAt = r.Position;
        ulong offset = r.U64(field + " offset");
        if (offset > long.MaxValue)
            throw r.Error(field, $"offset {offset} is out of range", offsetAt);
        if (offset % alignment != 0)
            throw r.Error(field, $"offset {offset} is not a multiple of the alignment {alignment}", offsetAt);
        return new GgufTensorInfo(name, type, TensorShape.FromGgml(ne), (long)offset, byteLength, at);
    }

    private static void CheckPlacement(ByteSource source, List<GgufTensorInfo> tensors, long dataOffset)
    {
        long dataLength = source.Length - dataOffset;
        // Empty tensors too: they have no bytes, but their address (data offset + offset) must lie in the file.
        foreach (var t in tensors)
        {
            if (dataLength < 0 || t.Offset > dataLength || t.ByteLength > dataLength - t.Offset)
                throw new ModelFormatException(source.Origin, $"tensor '{t.Name}'",
                    $"data [{dataOffset} + {t.Offset}, +{t.ByteLength}) runs past the end of the file (size {source.Length})", t.InfoOffset);
        }
        GgufTensorInfo? previous = null;
        foreach (var t in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.Offset))
        {
            if (previous is not null && t.Offset < previous.Offset + previous.ByteLength)
                throw new ModelFormatException(source.Origin, $"tensor '{t.Name}'",
                    $"data at offset {t.Offset} overlaps tensor '{previous.Name}' ({previous.Offset}..{previous.Offset + previous.ByteLength})", t.InfoOffset);
            previous = t;
        }
    }

    private static string ReadString(ByteReader r, string field)
    {
        ulong length = r.U64(field);
        if (length > MaxLength || (long)length > r.Remaining)
            throw r.Error(field, $"string length {length} exceeds the {Math.Min(MaxLength, r.Remaining)} bytes allowed", r.Position - 8);
        return r.Utf8((long)length, field);
    }

    private static GgufValue ReadValue(ByteReader r, uint type, string field, int depth)
    {
        long at = r.Position;
        return (GgufValueType)type switch
        {
            GgufValueType.UInt8 => GgufValue.Of(r.U8(field)),
            GgufValueType.Int8 => GgufValue.Of(r.I8(field)),
            GgufValueType.UInt16 => GgufValue.Of(r.U16(field)),
            GgufValueType.Int16 => GgufValue.Of(r.I16(field)),
            GgufValueType.UInt32 => GgufValue.Of(r.U32(field)),
            GgufValueType.Int32 => GgufValue.Of(r.I32(field)),
            GgufValueType.Float32 => GgufValue.Of(r.F32(field)),
            GgufValueType.Bool => GgufValue.Of(ReadBool(r, field)),
            GgufValueType.String => GgufValue.Of(ReadString(r, field)),
            GgufValueType.UInt64 => GgufValue.Of(r.U64(field)),
            GgufValueType.Int64 => GgufValue.Of(r.I64(field)),
            GgufValueType.Float64 => GgufValue.Of(r.F64(field)),
            GgufValueType.Array => ReadArray(r, field, depth),
            _ => throw r.Error(field, $"unknown value type {type}", at - 4),
        };
    }

    private static bool ReadBool(ByteReader r, string field)
    {
        byte b = r.U8(field);
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw r.Error(field, $"bool byte is {b}, not 0 or 1", r.Position - 1),
        };
    }

    private static GgufValue ReadArray(ByteReader r, string field, int depth)
    {
        long at = r.Position;
        if (depth >= MaxArrayNesting)
            throw r.Error(field, $"arrays nested deeper than {MaxArrayNesting} levels", at);
        uint elementTypeId = r.U32(field + " element type");
        ulong count = r.U64(field + " count");
        var elementType = (GgufValueType)elementTypeId;
        // Each element takes at least this many bytes, so a count the rest of the file cannot hold is refused
        // before anything is allocated for it.
        long minElementBytes = elementType switch
        {
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
            GgufValueType.Array => 12,
            _ => throw r.Error(field, $"unknown array element type {elementTypeId}", at),
        };
        if (count > MaxLength || (long)count > r.Remaining / minElementBytes)
            throw r.Error(field, $"array of {count} {elementType} elements cannot fit in the {r.Remaining} bytes left", at + 4);
        int n = (int)count;
        switch (elementType)
        {
            case GgufValueType.UInt8: return GgufValue.TypedArray(elementType, r.Take(n, field).ToArray());
            case GgufValueType.Int8: return GgufValue.TypedArray(elementType, ReadNumbers<sbyte>(r, n, field));
            case GgufValueType.UInt16: return GgufValue.TypedArray(elementType, ReadNumbers<ushort>(r, n, field));
            case GgufValueType.Int16: return GgufValue.TypedArray(elementType, ReadNumbers<short>(r, n, field));
            case GgufValueType.UInt32: return GgufValue.TypedArray(elementType, ReadNumbers<uint>(r, n, field));
            case GgufValueType.Int32: return GgufValue.TypedArray(elementType, ReadNumbers<int>(r, n, field));
            case GgufValueType.Float32: return GgufValue.TypedArray(elementType, ReadNumbers<float>(r, n, field));
            case GgufValueType.UInt64: return GgufValue.TypedArray(elementType, ReadNumbers<ulong>(r, n, field));
            case GgufValueType.Int64: return GgufValue.TypedArray(elementType, ReadNumbers<long>(r, n, field));
            case GgufValueType.Float64: return GgufValue.TypedArray(elementType, ReadNumbers<double>(r, n, field));
            case GgufValueType.Bool:
                var bools = new bool[n];
                for (int i = 0; i < bools.Length; i++)
                    bools[i] = ReadBool(r, field);
                return GgufValue.TypedArray(elementType, bools);
            case GgufValueType.String: return GgufValue.Strings(PackedStringReader.Read(r, n, 8, MaxLength, field));
            default:
                var nested = new GgufValue[n];
                // Each element is encoded as an array value (element type, count, elements) with no type tag of its own.
                for (int i = 0; i < n; i++)
                    nested[i] = ReadArray(r, field, depth + 1);
                return GgufValue.TypedArray(elementType, nested);
        }
    }

    /// <summary>Packed little-endian numbers, copied in one go (vocabularies hold ~50k token types).</summary>
    private static T[] ReadNumbers<T>(ByteReader r, int count, string field) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("GGUF reading assumes a little-endian machine");
        return MemoryMarshal.Cast<byte, T>(r.Take((long)count * Unsafe.SizeOf<T>(), field)).ToArray();
    }

    internal static long AlignUp(long position, uint alignment)
    {
        long rem = position % alignment;
        return rem == 0 ? position : position + (alignment - rem);
    }
}
