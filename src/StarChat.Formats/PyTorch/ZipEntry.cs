namespace StarChat.Formats.PyTorch;

/// <summary>One central-directory record of a zip archive, with ZIP64 sizes applied.</summary>
internal sealed record ZipEntry(string Name, ushort Flags, ushort Method, uint Crc32, long CompressedSize, long UncompressedSize,
    long LocalHeaderOffset, long CentralOffset)
{
    public const ushort Stored = 0;
    public const ushort Deflated = 8;
}
