using System.Text;
using StarChat.Formats.IO;

namespace StarChat.Formats.PyTorch;

/// <summary>
/// Reads a zip archive's central directory (ZIP64 included) straight from the mapped bytes, so each STORED record's
/// data can be mapped at its offset. .NET's ZipArchive reads ZIP64 too but hides the offsets (formats.md §6.1).
/// </summary>
internal static class ZipDirectory
{
    private const uint EndOfCentralDirectorySignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const uint LocalHeaderSignature = 0x04034b50;
    private const int EndRecordSize = 22;
    private const int CentralHeaderSize = 46;
    private const int LocalHeaderSize = 30;

    /// <summary>Every entry of the archive, in central-directory order; names are unique.</summary>
    public static List<ZipEntry> ReadEntries(ByteSource source)
    {
        var r = new ByteReader(source);
        long end = FindEndRecord(source);
        r.Position = end + 10;
        long entryCount = r.U16("end of central directory: entry count");
        long directorySize = r.U32("end of central directory: size");
        long directoryOffset = r.U32("end of central directory: offset");
        long directoryLimit = end;

        if (end >= 20 && Signature(source, end - 20) == Zip64LocatorSignature)
        {
            r.Position = end - 20 + 8;
            long zip64End = (long)Math.Min(r.U64("ZIP64 locator: end record offset"), long.MaxValue);
            if (zip64End > end - 20 - 56)
                throw r.Error("ZIP64 locator", $"end record offset {zip64End} is not before the locator", end - 12);
            if (Signature(source, zip64End) != Zip64EndSignature)
                throw r.Error("ZIP64 end of central directory", "bad signature", zip64End);
            r.Position = zip64End + 32;
            entryCount = ToLong(r, r.U64("ZIP64 end: entry count"), "ZIP64 end: entry count");
            directorySize = ToLong(r, r.U64("ZIP64 end: directory size"), "ZIP64 end: directory size");
            directoryOffset = ToLong(r, r.U64("ZIP64 end: directory offset"), "ZIP64 end: directory offset");
            directoryLimit = zip64End;
        }

        if (directoryOffset > directoryLimit || directorySize > directoryLimit - directoryOffset)
            throw r.Error("central directory", $"[{directoryOffset}, +{directorySize}) does not end before the end record at {directoryLimit}");
        if (entryCount > directorySize / CentralHeaderSize)
            throw r.Error("central directory", $"{entryCount} entries cannot fit in {directorySize} bytes");

        var entries = new List<ZipEntry>((int)entryCount);
        var names = new HashSet<string>(StringComparer.Ordinal);
        r.Position = directoryOffset;
        for (long i = 0; i < entryCount; i++)
        {
            var entry = ReadCentralHeader(r, i, directoryOffset + directorySize);
            if (!names.Add(entry.Name))
                throw r.Error($"zip entry '{entry.Name}'", "duplicate name", entry.CentralOffset);
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>File offset of an entry's data, from its local header (whose extra field differs from the central one).</summary>
    public static long DataOffset(ByteSource source, ZipEntry entry)
    {
        var r = new ByteReader(source, entry.LocalHeaderOffset);
        string field = $"zip entry '{entry.Name}' local header";
        if (r.U32(field) != LocalHeaderSignature)
            throw r.Error(field, "bad signature", entry.LocalHeaderOffset);
        r.Position = entry.LocalHeaderOffset + 8;
        ushort method = r.U16(field);
        r.Position = entry.LocalHeaderOffset + 26;
        int nameLength = r.U16(field);
        int extraLength = r.U16(field);
        var name = r.Take(nameLength, field);
        if (!name.SequenceEqual(Encoding.UTF8.GetBytes(entry.Name)))
            throw r.Error(field, "name differs from the central directory", entry.LocalHeaderOffset + LocalHeaderSize);
        if (method != entry.Method)
            throw r.Error(field, $"compression method {method} differs from the central directory ({entry.Method})", entry.LocalHeaderOffset + 8);
        r.Skip(extraLength, field + " extra field");
        long dataOffset = r.Position;
        if (entry.CompressedSize > source.Length - dataOffset)
            throw r.Error($"zip entry '{entry.Name}'", $"{entry.CompressedSize} bytes of data run past the end of the file (size {source.Length})", dataOffset);
        return dataOffset;
    }

    private static ZipEntry ReadCentralHeader(ByteReader r, long index, long directoryEnd)
    {
        long at = r.Position;
        string field = $"zip central directory entry {index}";
        if (r.U32(field) != CentralHeaderSignature)
            throw r.Error(field, "bad signature", at);
        r.Position = at + 8;
        ushort flags = r.U16(field);
        ushort method = r.U16(field);
        r.Position = at + 16;
        uint crc = r.U32(field);
        long compressed = r.U32(field);
        long uncompressed = r.U32(field);
        int nameLength = r.U16(field);
        int extraLength = r.U16(field);
        int commentLength = r.U16(field);
        r.Position = at + 42;
        long localOffset = r.U32(field);
        if (at + CentralHeaderSize + nameLength + extraLength + commentLength > directoryEnd)
            throw r.Error(field, "runs past the end of the central directory", at);
        string name = Encoding.UTF8.GetString(r.Take(nameLength, field + " name"));
        field = $"zip entry '{name}'";
        long extraEnd = r.Position + extraLength;
        while (r.Position + 4 <= extraEnd)
        {
            ushort id = r.U16(field + " extra field");
            int size = r.U16(field + " extra field");
            long next = r.Position + size;
            if (next > extraEnd)
                throw r.Error(field, "extra field runs past its end", r.Position - 4);
            if (id == 0x0001)
            {
                // ZIP64: only the fields whose 32-bit slot is 0xFFFFFFFF are present, in this order.
                if (uncompressed == uint.MaxValue) uncompressed = ToLong(r, ReadZip64(r, next, field), field);
                if (compressed == uint.MaxValue) compressed = ToLong(r, ReadZip64(r, next, field), field);
                if (localOffset == uint.MaxValue) localOffset = ToLong(r, ReadZip64(r, next, field), field);
            }
            r.Position = next;
        }
        r.Position = extraEnd + commentLength;
        if ((flags & 1) != 0)
            throw r.Error(field, "encrypted zip entries are not supported", at);
        if (method is not (ZipEntry.Stored or ZipEntry.Deflated))
            throw r.Error(field, $"compression method {method} is not supported (stored or deflate are)", at);
        if (method == ZipEntry.Stored && compressed != uncompressed)
            throw r.Error(field, $"stored entry has compressed size {compressed} but uncompressed size {uncompressed}", at);
        if (localOffset > r.Length - LocalHeaderSize)
            throw r.Error(field, $"local header offset {localOffset} is past the end of the file (size {r.Length})", at);
        return new ZipEntry(name, flags, method, crc, compressed, uncompressed, localOffset, at);
    }

    private static ulong ReadZip64(ByteReader r, long limit, string field)
    {
        if (r.Position + 8 > limit)
            throw r.Error(field, "ZIP64 extra field is too short", r.Position);
        return r.U64(field);
    }

    private static long FindEndRecord(ByteSource source)
    {
        if (source.Length < EndRecordSize)
            throw new ModelFormatException(source.Origin, "zip", "too short to be a zip archive", 0);
        // The record sits at the end, followed by a comment of at most 65535 bytes: search that tail backwards.
        long lowest = Math.Max(0, source.Length - EndRecordSize - ushort.MaxValue);
        var tail = source.Span(lowest, (int)(source.Length - EndRecordSize + 4 - lowest));
        ReadOnlySpan<byte> signature = [0x50, 0x4b, 0x05, 0x06];
        int found = tail.LastIndexOf(signature);
        if (found < 0)
            throw new ModelFormatException(source.Origin, "zip", "no end-of-central-directory record (truncated archive?)", source.Length);
        return lowest + found;
    }

    private static uint Signature(ByteSource source, long at)
        => at < 0 || at > source.Length - 4 ? 0 : System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(source.Span(at, 4));

    private static long ToLong(ByteReader r, ulong value, string field)
        => value <= long.MaxValue ? (long)value : throw r.Error(field, $"value {value} is out of range", r.Position - 8);
}
