using System.Buffers.Binary;

namespace StarChat.Formats.IO;

/// <summary>
/// Reads <c>count</c> length-prefixed strings (u64 prefixes in GGUF, u32 in legacy GGML) in one pass over one span:
/// every length is checked against the bytes left and a cap, then the whole region is copied once into a
/// <see cref="PackedStringCollection"/>. The region must fit in 2 GiB, which any real vocabulary does by far.
/// </summary>
internal static class PackedStringReader
{
    public static PackedStringCollection Read(ByteReader r, int count, int prefixBytes, long maxLength, string field)
    {
        long start = r.Position;
        var window = r.Source.Span(start, (int)Math.Min(r.Remaining, int.MaxValue));
        bool clipped = r.Remaining > int.MaxValue;
        var starts = new int[count + 1];
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            int left = window.Length - at;
            if (left < prefixBytes)
                throw Fail(r, field, i, start + at, clipped, $"truncated: needs {prefixBytes} length bytes, {left} left");
            ulong length = prefixBytes == 8
                ? BinaryPrimitives.ReadUInt64LittleEndian(window.Slice(at, 8))
                : BinaryPrimitives.ReadUInt32LittleEndian(window.Slice(at, 4));
            if (length > (ulong)maxLength)
                throw r.Error($"{field} entry {i}", $"length {length} exceeds the limit of {maxLength}", start + at);
            if (length > (ulong)(left - prefixBytes))
                throw Fail(r, field, i, start + at, clipped, $"length {length} runs past the end of the file ({left - prefixBytes} bytes left)");
            at += prefixBytes;
            starts[i] = at;
            at += (int)length;
        }
        starts[count] = at + prefixBytes;
        byte[] bytes = window[..at].ToArray();
        r.Position = start + at;
        return new PackedStringCollection(bytes, starts, prefixBytes);
    }

    private static ModelFormatException Fail(ByteReader r, string field, int index, long at, bool clipped, string detail)
        => clipped
            ? r.Error(field, "the strings take more than 2 GiB", at)
            : r.Error($"{field} entry {index}", detail, at);
}
