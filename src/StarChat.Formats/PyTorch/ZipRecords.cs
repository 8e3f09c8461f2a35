using System.IO.Compression;
using StarChat.Formats.IO;

namespace StarChat.Formats.PyTorch;

/// <summary>
/// The records of a zip archive as (address, length): STORED records (torch's default) are views into the mapped
/// file; DEFLATE records are inflated into native memory owned by this object, bounded by their declared size.
/// </summary>
internal sealed class ZipRecords : IDisposable
{
    // Deflate cannot expand data by more than about 1032:1; a larger declared size is a lie. torch never compresses
    // records, so inflated records are also capped relative to the archive, keeping a zip bomb from costing gigabytes.
    private const long MaxDeflateRatio = 1032;
    private const long MinInflateCap = 64L << 20;
    private const long InflateCapPerArchiveByte = 8;

    private readonly ByteSource _source;
    private readonly Dictionary<string, ZipEntry> _entries;
    private readonly List<NativeBuffer> _inflated = [];
    private long _inflatedBytes;

    public ZipRecords(ByteSource source, List<ZipEntry> entries)
    {
        _source = source;
        Entries = entries;
        _entries = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<ZipEntry> Entries { get; }

    public bool TryGet(string name, out ZipEntry entry) => _entries.TryGetValue(name, out entry!);

    /// <summary>Address and length of a record's uncompressed bytes, and the file offset when they are mapped in place.</summary>
    public (nint Address, long Length, long? FileOffset) Open(ZipEntry entry)
    {
        long dataOffset = ZipDirectory.DataOffset(_source, entry);
        if (entry.Method == ZipEntry.Stored)
            return (_source.Address(dataOffset), entry.UncompressedSize, dataOffset);

        string field = $"zip entry '{entry.Name}'";
        if (entry.UncompressedSize > MaxDeflateRatio * entry.CompressedSize + 1024)
            throw new ModelFormatException(_source.Origin, field,
                $"declares {entry.UncompressedSize} bytes from {entry.CompressedSize} compressed, beyond what deflate can produce", entry.CentralOffset);
        long cap = Math.Max(MinInflateCap, InflateCapPerArchiveByte * _source.Length);
        if (entry.UncompressedSize > cap - _inflatedBytes)
            throw new ModelFormatException(_source.Origin, field,
                $"compressed records would inflate to more than {cap} bytes; torch writes records uncompressed", entry.CentralOffset);
        _inflatedBytes += entry.UncompressedSize;
        var buffer = new NativeBuffer(entry.UncompressedSize);
        try
        {
            using var deflate = new DeflateStream(_source.Stream(dataOffset, entry.CompressedSize), CompressionMode.Decompress);
            long filled = 0;
            while (filled < buffer.Length)
            {
                int n = deflate.Read(buffer.Slice(filled, (int)Math.Min(1 << 20, buffer.Length - filled)));
                if (n == 0)
                    break;
                filled += n;
            }
            Span<byte> probe = stackalloc byte[1];
            if (filled != buffer.Length || deflate.Read(probe) != 0)
                throw new ModelFormatException(_source.Origin, field, $"inflates to a different size than the declared {entry.UncompressedSize} bytes", entry.CentralOffset);
        }
        catch (InvalidDataException e)
        {
            buffer.Dispose();
            throw new ModelFormatException(_source.Origin, field, $"corrupt deflate data ({e.Message})", dataOffset, e);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
        _inflated.Add(buffer);
        return (buffer.Address, buffer.Length, null);
    }

    public void Dispose()
    {
        foreach (var b in _inflated)
            b.Dispose();
        _inflated.Clear();
    }
}
