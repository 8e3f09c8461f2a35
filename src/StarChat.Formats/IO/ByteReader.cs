using System.Buffers.Binary;
using System.Text;

namespace StarChat.Formats.IO;

/// <summary>
/// A little-endian cursor over a <see cref="ByteSource"/>. Every read checks the bytes left first and fails with a
/// <see cref="ModelFormatException"/> naming the field and the offset, so no read runs past the end of the file and
/// no length taken from the file is trusted before it is compared with what is left.
/// </summary>
internal sealed class ByteReader(ByteSource source, long position = 0)
{
    public ByteSource Source => source;

    public string Origin => source.Origin;

    public long Position { get; set; } = position;

    public long Length => source.Length;

    public long Remaining => Position >= source.Length ? 0 : source.Length - Position;

    /// <summary>Throws unless <paramref name="count"/> more bytes are available.</summary>
    public void Need(long count, string field)
    {
        if (count < 0 || count > Remaining)
            throw Error(field, count < 0 ? $"negative length {count}" : $"truncated: needs {count} bytes, {Remaining} left");
    }

    public ReadOnlySpan<byte> Take(long count, string field)
    {
        Need(count, field);
        if (count > int.MaxValue)
            throw Error(field, $"length {count} is too large to read as one field");
        var span = source.Span(Position, (int)count);
        Position += count;
        return span;
    }

    public void Skip(long count, string field)
    {
        Need(count, field);
        Position += count;
    }

    public byte U8(string field) => Take(1, field)[0];
    public sbyte I8(string field) => (sbyte)Take(1, field)[0];
    public ushort U16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, field));
    public short I16(string field) => BinaryPrimitives.ReadInt16LittleEndian(Take(2, field));
    public uint U32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));
    public int I32(string field) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, field));
    public ulong U64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));
    public long I64(string field) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, field));
    public float F32(string field) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, field));
    public double F64(string field) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, field));

    /// <summary>UTF-8 text of <paramref name="count"/> bytes; invalid sequences become U+FFFD rather than failing.</summary>
    public string Utf8(long count, string field) => Encoding.UTF8.GetString(Take(count, field));

    /// <summary>An error about <paramref name="field"/> at <paramref name="at"/> (default: the current position).</summary>
    public ModelFormatException Error(string field, string detail, long? at = null)
        => new(Origin, field, detail, at ?? Position);
}
