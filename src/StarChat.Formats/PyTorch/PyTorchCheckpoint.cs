using StarChat.Engine.Tensors;
using StarChat.Formats.IO;

namespace StarChat.Formats.PyTorch;

/// <summary>
/// A PyTorch zip checkpoint (<c>pytorch_model.bin</c>, torch ≥ 1.6): the state dict read by a restricted unpickler
/// that never executes anything, and tensors as zero-copy views into the STORED storage records
/// (formats.md §6). Compressed records, which torch does not write, are inflated into owned memory.
/// </summary>
public sealed class PyTorchCheckpoint : IDisposable
{
    private const long MaxPickleBytes = 1L << 30;

    private readonly ByteSource _source;
    private readonly bool _ownsSource;
    private readonly ZipRecords _records;

    private PyTorchCheckpoint(ByteSource source, bool ownsSource, ZipRecords records, string root, List<TensorView> tensors, List<string> skipped)
    {
        _source = source;
        _ownsSource = ownsSource;
        _records = records;
        ArchiveRoot = root;
        Tensors = tensors;
        SkippedEntries = skipped;
    }

    /// <summary>The path the file was opened from.</summary>
    public string Origin => _source.Origin;

    /// <summary>The archive's top-level folder (e.g. <c>pytorch_model</c> or <c>archive</c>).</summary>
    public string ArchiveRoot { get; }

    /// <summary>The state dict's tensors in pickle order, named by their state-dict keys.</summary>
    public IReadOnlyList<TensorView> Tensors { get; }

    /// <summary>State-dict keys whose values are not tensors (e.g. an old bitsandbytes <c>weight_format</c> string); not loaded.</summary>
    public IReadOnlyList<string> SkippedEntries { get; }

    internal ByteSource Source => _source;

    /// <summary>True when <paramref name="bytes"/> start like a zip archive (<c>PK\x03\x04</c>).</summary>
    public static bool HasZipMagic(ReadOnlySpan<byte> bytes) => bytes is [0x50, 0x4B, 0x03, 0x04, ..];

    /// <summary>Maps a checkpoint and reads its state dict.</summary>
    /// <exception cref="UnsafePickleException">The pickle names a global a state dict never needs.</exception>
    /// <exception cref="ModelFormatException">The archive or pickle is malformed or unsupported.</exception>
    public static PyTorchCheckpoint Open(string path)
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

    internal static PyTorchCheckpoint Open(ByteSource source, bool ownsSource)
    {
        var head = source.Span(0, (int)Math.Min(4, source.Length));
        if (!HasZipMagic(head))
        {
            throw head is [0x80, 0x02, ..]
                ? new ModelFormatException(source.Origin, "magic", "legacy (pre-1.6) PyTorch serialization is not supported; re-save with torch ≥ 1.6", 0)
                : new ModelFormatException(source.Origin, "magic", "not a zip archive (expected PK\\x03\\x04)", 0);
        }
        var records = new ZipRecords(source, ZipDirectory.ReadEntries(source));
        try
        {
            var (root, tensors, skipped) = ReadStateDict(source.Origin, records);
            return new PyTorchCheckpoint(source, ownsSource, records, root, tensors, skipped);
        }
        catch
        {
            records.Dispose();
            throw;
        }
    }

    /// <summary>Releases the mapped file and any inflated records.</summary>
    public void Dispose()
    {
        _records.Dispose();
        if (_ownsSource)
            _source.Dispose();
    }

    private static (string, List<TensorView>, List<string>) ReadStateDict(string origin, ZipRecords records)
    {
        if (records.Entries.Count == 0)
            throw new ModelFormatException(origin, "zip", "the archive is empty");
        string first = records.Entries[0].Name;
        int slash = first.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
            throw new ModelFormatException(origin, "zip", $"first entry '{first}' is not inside a top-level folder", records.Entries[0].CentralOffset);
        string root = first[..slash];

        if (records.TryGet(root + "/byteorder", out var byteorder))
        {
            var (address, length, _) = records.Open(byteorder);
            var text = System.Text.Encoding.ASCII.GetString(RawMemory.Span(address, (int)Math.Min(length, 16)));
            if (text != "little")
                throw new ModelFormatException(origin, $"{root}/byteorder", $"'{text}': only little-endian checkpoints are supported", byteorder.CentralOffset);
        }

        if (!records.TryGet(root + "/data.pkl", out var pickleEntry))
            throw new ModelFormatException(origin, "zip", $"no {root}/data.pkl record: not a torch.save checkpoint");
        if (pickleEntry.UncompressedSize > MaxPickleBytes)
            throw new ModelFormatException(origin, $"{root}/data.pkl", $"{pickleEntry.UncompressedSize} bytes is too large for a state dict pickle", pickleEntry.CentralOffset);
        var (pklAddress, pklLength, pklOffset) = records.Open(pickleEntry);
        byte[] pickle = RawMemory.Span(pklAddress, (int)pklLength).ToArray();

        var top = RestrictedUnpickler.Load(origin, pickle, pklOffset);
        if (top is not PickleDict dict)
            throw new ModelFormatException(origin, "data.pkl", "the pickle does not hold a dict (state dict)");

        var tensors = new List<TensorView>();
        var skipped = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var storages = new Dictionary<string, (nint Address, long Length)>(StringComparer.Ordinal);
        foreach (var (key, value) in dict.Items)
        {
            if (key is not string { Length: > 0 } name)
                throw new ModelFormatException(origin, "data.pkl", "state dict key is not a non-empty string");
            if (!names.Add(name))
                throw new ModelFormatException(origin, $"state dict entry '{name}'", "duplicate key");
            if (value is not TensorRecord record)
            {
                skipped.Add(name);
                continue;
            }
            if (!storages.TryGetValue(record.Storage.Key, out var storage))
            {
                storage = OpenStorage(origin, records, root, record.Storage);
                storages.Add(record.Storage.Key, storage);
            }
            tensors.Add(MakeView(origin, name, record, storage));
        }
        return (root, tensors, skipped);
    }

    private static (nint, long) OpenStorage(string origin, ZipRecords records, string root, StorageRef storage)
    {
        string recordName = $"{root}/data/{storage.Key}";
        if (!records.TryGet(recordName, out var entry))
            throw new ModelFormatException(origin, $"storage '{storage.Key}'", $"record {recordName} is missing");
        int elementSize = TensorTypeInfo.BlockBytes(storage.Type);
        if (!SafeMath.TryMultiply(storage.ElementCount, elementSize, out long expected) || entry.UncompressedSize != expected)
            throw new ModelFormatException(origin, $"storage '{storage.Key}'",
                $"{storage.Type} × {storage.ElementCount} elements does not match the {entry.UncompressedSize}-byte record {recordName}", entry.CentralOffset);
        var (address, length, _) = records.Open(entry);
        return (address, length);
    }

    private static TensorView MakeView(string origin, string name, TensorRecord t, (nint Address, long Length) storage)
    {
        string field = $"tensor '{name}'";
        if (t.Size.Length != t.Stride.Length)
            throw new ModelFormatException(origin, field, $"size has {t.Size.Length} dimensions but stride has {t.Stride.Length}");
        long elements = 1;
        foreach (long d in t.Size)
        {
            if (d < 0 || !SafeMath.TryMultiply(elements, d, out elements))
                throw new ModelFormatException(origin, field, $"invalid size ({string.Join(", ", t.Size)})");
        }
        // Only contiguous (row-major) views are mapped; dimensions of size 1 may carry any stride.
        long expectedStride = 1;
        for (int i = t.Size.Length - 1; i >= 0; i--)
        {
            if (t.Size[i] != 1 && elements != 0 && t.Stride[i] != expectedStride)
                throw new ModelFormatException(origin, field,
                    $"non-contiguous tensor (size ({string.Join(", ", t.Size)}), stride ({string.Join(", ", t.Stride)})) is not supported; save it with .contiguous()");
            expectedStride *= Math.Max(1, t.Size[i]);
        }
        if (t.StorageOffset < 0 || t.StorageOffset > t.Storage.ElementCount || elements > t.Storage.ElementCount - t.StorageOffset)
            throw new ModelFormatException(origin, field,
                $"elements [{t.StorageOffset}, +{elements}) fall outside storage '{t.Storage.Key}' of {t.Storage.ElementCount}");
        int elementSize = TensorTypeInfo.BlockBytes(t.Storage.Type);
        return new TensorView(name, t.Storage.Type, new TensorShape(t.Size), storage.Address + (nint)(t.StorageOffset * elementSize), elements * elementSize);
    }
}
