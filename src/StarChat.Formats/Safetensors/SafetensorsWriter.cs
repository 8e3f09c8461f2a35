using System.Buffers.Binary;
using System.Text.Json;
using StarChat.Engine.Tensors;
using StarChat.Formats.IO;

namespace StarChat.Formats.Safetensors;

/// <summary>One tensor to write: name, type, shape and its little-endian bytes.</summary>
/// <param name="Name">Tensor name (unique in the file).</param>
/// <param name="Type">Element type; must have a safetensors dtype (F32, F16, BF16, F64, integers, BOOL).</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Data">Row-major little-endian bytes; the length must equal the shape's element count times the element size.</param>
public sealed record SafetensorsEntry(string Name, TensorType Type, TensorShape Shape, ReadOnlyMemory<byte> Data);

/// <summary>
/// Writes safetensors files the way the reference implementation (<c>huggingface/safetensors</c>) does (formats.md §4):
/// optional <c>__metadata__</c> first, tensors ordered by descending dtype alignment then name, compact JSON header
/// padded with spaces to a multiple of 8, data in header order with no gaps. The file is written beside its
/// destination and moved into place, so a reader never sees half a file.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/>.</summary>
    /// <param name="path">Destination; replaced if it exists.</param>
    /// <param name="tensors">The tensors.</param>
    /// <param name="metadata">The <c>__metadata__</c> map; Hugging Face loaders expect <c>{"format": "pt"}</c>.</param>
    /// <exception cref="ArgumentException">A name repeats or is empty, a type has no dtype, or data has the wrong length.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, IEnumerable<SafetensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = Validate(tensors);
        byte[] header = Header(ordered, metadata);

        string full = Path.GetFullPath(path);
        string temporary = full + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var stream = new ChunkAlignedWriteStream(new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0)))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var t in ordered)
                    stream.Write(t.Data.Span);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    /// <summary>Copies f32 values into little-endian bytes, for a <see cref="SafetensorsEntry"/>.</summary>
    public static byte[] Bytes(ReadOnlySpan<float> values)
    {
        var bytes = new byte[checked(values.Length * sizeof(float))];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        return bytes;
    }

    /// <summary>Copies f64 values into little-endian bytes, for a <see cref="SafetensorsEntry"/>.</summary>
    public static byte[] Bytes(ReadOnlySpan<double> values)
    {
        var bytes = new byte[checked(values.Length * sizeof(double))];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), values[i]);
        return bytes;
    }

    private static List<SafetensorsEntry> Validate(IEnumerable<SafetensorsEntry> tensors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<SafetensorsEntry>();
        foreach (var t in tensors)
        {
            if (string.IsNullOrEmpty(t.Name) || t.Name == "__metadata__")
                throw new ArgumentException($"tensor name '{t.Name}' is not allowed", nameof(tensors));
            if (!names.Add(t.Name))
                throw new ArgumentException($"tensor '{t.Name}' appears twice", nameof(tensors));
            SafetensorsDType.Name(t.Type);
            long expected = TensorTypeInfo.ByteCount(t.Type, t.Shape.ElementCount);
            if (expected != t.Data.Length)
                throw new ArgumentException($"tensor '{t.Name}': {TensorTypeInfo.Name(t.Type)} {t.Shape} needs {expected} bytes, got {t.Data.Length}", nameof(tensors));
            list.Add(t);
        }
        // The reference writer's order: larger alignment first (so every tensor stays aligned), then by name.
        return [.. list.OrderByDescending(t => TensorTypeInfo.ByteCount(t.Type, 1)).ThenBy(t => t.Name, StringComparer.Ordinal)];
    }

    private static byte[] Header(List<SafetensorsEntry> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in ordered)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", SafetensorsDType.Name(t.Type));
                json.WriteStartArray("shape");
                foreach (long d in t.Shape.Dims)
                    json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.Data.Length;
            }
            json.WriteEndObject();
        }
        int padding = (int)(-buffer.Length & 7);
        for (int i = 0; i < padding; i++)
            buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
