using System.Buffers.Binary;
using System.Text.Json;
using StarChat.Engine.Tensors;

namespace StarChat.Formats.Safetensors;

/// <summary>One tensor to write: its header entry and a callback that writes exactly <paramref name="ByteLength"/> bytes.</summary>
/// <param name="Name">Tensor name (Hugging Face naming).</param>
/// <param name="Type">Element type; must have a safetensors dtype (F32, F16, BF16, F64, integers, BOOL).</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="ByteLength">Bytes the callback writes.</param>
/// <param name="WriteData">Writes the row-major little-endian data.</param>
public sealed record SafetensorsTensor(string Name, TensorType Type, TensorShape Shape, long ByteLength, Action<Stream> WriteData);

/// <summary>
/// Writes a safetensors file (formats.md §4): an 8-byte little-endian header length, a JSON header padded with spaces
/// to a multiple of 8 (<c>__metadata__</c> first, then each tensor's dtype, shape and data offsets), then the data
/// in the given order.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/>, replacing any file there.</summary>
    /// <exception cref="ArgumentException">A name repeats, a type has no safetensors dtype, or a length disagrees with type and shape.</exception>
    /// <exception cref="InvalidOperationException">A callback wrote a different number of bytes than declared.</exception>
    public static void Write(string path, IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var header = Header(tensors, metadata);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        file.Write(length);
        file.Write(header);
        foreach (var t in tensors)
        {
            long start = file.Position;
            t.WriteData(file);
            if (file.Position - start != t.ByteLength)
                throw new InvalidOperationException($"tensor '{t.Name}': wrote {file.Position - start} bytes, declared {t.ByteLength}");
        }
    }

    private static byte[] Header(IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                    w.WriteString(key, value);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                if (!names.Add(t.Name) || t.Name == "__metadata__")
                    throw new ArgumentException($"tensor name '{t.Name}' repeats or is reserved", nameof(tensors));
                long expected = TensorTypeInfo.ByteCount(t.Type, t.Shape.ElementCount);
                if (expected != t.ByteLength)
                    throw new ArgumentException($"tensor '{t.Name}': {t.Type} {t.Shape} needs {expected} bytes, declared {t.ByteLength}", nameof(tensors));
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", SafetensorsDType.Name(t.Type));
                w.WriteStartArray("shape");
                for (int d = 0; d < t.Shape.Rank; d++)
                    w.WriteNumberValue(t.Shape[d]);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + t.ByteLength);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += t.ByteLength;
            }
            w.WriteEndObject();
        }
        int padded = (int)((json.Length + 7) / 8 * 8);
        var header = new byte[padded];
        json.ToArray().CopyTo(header, 0);
        header.AsSpan((int)json.Length).Fill((byte)' ');
        return header;
    }
}
