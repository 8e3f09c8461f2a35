using System.Buffers.Binary;

namespace StarChat.Formats.Tests.Support;

internal static class Bytes
{
    public static byte[] WithU32(this byte[] image, long offset, uint value)
    {
        var copy = (byte[])image.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan((int)offset), value);
        return copy;
    }

    public static byte[] WithU64(this byte[] image, long offset, ulong value)
    {
        var copy = (byte[])image.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan((int)offset), value);
        return copy;
    }

    public static byte[] WithByte(this byte[] image, long offset, byte value)
    {
        var copy = (byte[])image.Clone();
        copy[offset] = value;
        return copy;
    }

    public static byte[] Truncated(this byte[] image, long length) => image[..(int)length];

    public static byte[] Hex(string hex)
        => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));
}
