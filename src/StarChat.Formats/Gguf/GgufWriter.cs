using System.Text;
using StarChat.Engine.Tensors;
using StarChat.Formats.IO;

namespace StarChat.Formats.Gguf;

/// <summary>
/// Writes a GGUF v3 file: metadata pairs of every value type (nested arrays included), then tensor infos, then the
/// tensor data, each tensor padded to the alignment. Tensor data can be given as bytes or streamed by a callback, so
/// files larger than memory can be written. Use: <see cref="Add"/> metadata, <see cref="AddTensor(string, TensorType, TensorShape, ReadOnlyMemory{byte})"/>,
/// then <see cref="WriteTo(Stream)"/>.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Creates a writer; an alignment other than 32 is recorded as <c>general.alignment</c>.</summary>
    /// <exception cref="ArgumentException">The alignment is not a power of two.</exception>
    public GgufWriter(uint alignment = GgufFile.DefaultAlignment)
    {
        if (alignment == 0 || (alignment & (alignment - 1)) != 0)
            throw new ArgumentException($"alignment {alignment} is not a power of two", nameof(alignment));
        Alignment = alignment;
        if (alignment != GgufFile.DefaultAlignment)
            Add("general.alignment", GgufValue.Of(alignment));
    }

    /// <summary>The data alignment.</summary>
    public uint Alignment { get; }

    /// <summary>The GGUF version written (3, or 2 for compatibility tests).</summary>
    public uint Version { get; init; } = 3;

    /// <summary>
    /// Tests only: write what is asked even when it breaks the format (duplicate or over-long names, unknown types,
    /// byte counts that disagree with the shape), so hostile-file tests can craft each broken case.
    /// </summary>
    internal bool Unchecked { get; init; }

    /// <summary>Tests only: tensor name → data offset to write instead of the computed one.</summary>
    internal Dictionary<string, ulong> OffsetOverrides { get; } = [];

    /// <summary>File offsets of each tensor info record in the last file written (in <see cref="AddTensor(string, TensorType, TensorShape, ReadOnlyMemory{byte})"/> order).</summary>
    internal List<long> TensorInfoOffsets { get; } = [];

    /// <summary>File offsets of each metadata pair in the last file written.</summary>
    internal List<long> MetadataOffsets { get; } = [];

    /// <summary>Adds a metadata pair.</summary>
    /// <exception cref="ArgumentException">The key is empty or already added.</exception>
    public GgufWriter Add(string key, GgufValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!Unchecked && (key.Length == 0 || !_keys.Add(key)))
            throw new ArgumentException($"metadata key '{key}' added twice", nameof(key));
        _metadata.Add(new(key, value));
        return this;
    }

    /// <summary>Adds a tensor whose bytes are in memory.</summary>
    /// <exception cref="ArgumentException">Bad name, shape/type mismatch, or a byte count that does not match.</exception>
    public GgufWriter AddTensor(string name, TensorType type, TensorShape shape, ReadOnlyMemory<byte> data)
    {
        if (Unchecked)
        {
            _tensors.Add(new PendingTensor(name, type, shape, data.Length, s => s.Write(data.Span)));
            return this;
        }
        long expected = Validate(name, type, shape);
        if (data.Length != expected)
            throw new ArgumentException($"tensor '{name}': {type} {shape} needs {expected} bytes, got {data.Length}", nameof(data));
        _tensors.Add(new PendingTensor(name, type, shape, expected, s => s.Write(data.Span)));
        return this;
    }

    /// <summary>Adds a tensor whose bytes <paramref name="writeData"/> writes to the stream it is given (exactly the tensor's byte count).</summary>
    /// <exception cref="ArgumentException">Bad name or shape/type mismatch.</exception>
    public GgufWriter AddTensor(string name, TensorType type, TensorShape shape, Action<Stream> writeData)
    {
        long expected = Validate(name, type, shape);
        _tensors.Add(new PendingTensor(name, type, shape, expected, writeData));
        return this;
    }

    /// <summary>Writes the file.</summary>
    public void WriteTo(string path)
    {
        // Unbuffered: the chunked stream hands it whole 4 MiB chunks, so the page cache keeps the file in 2 MiB folios.
        using var stream = new ChunkAlignedWriteStream(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0));
        WriteTo(stream);
    }

    /// <summary>Writes the file to a stream positioned at its start.</summary>
    /// <exception cref="InvalidOperationException">A data callback wrote a different number of bytes than the tensor needs.</exception>
    public void WriteTo(Stream stream)
    {
        // BinaryWriter passes every value straight to the stream, so the counted position is exact after each call (and a
        // chunked target gets no flush before the end, which would write the header in pieces).
        var counting = new CountingStream(stream);
        var w = new BinaryWriter(counting, Encoding.UTF8, leaveOpen: true);
        w.Write(GgufFile.Magic);
        w.Write(Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        MetadataOffsets.Clear();
        foreach (var (key, value) in _metadata)
        {
            MetadataOffsets.Add(counting.Position);
            WriteString(w, key);
            w.Write((uint)value.Type);
            WriteValue(w, value);
        }
        TensorInfoOffsets.Clear();
        long offset = 0;
        foreach (var t in _tensors)
        {
            TensorInfoOffsets.Add(counting.Position);
            WriteString(w, t.Name);
            var ne = t.Shape.ToGgml();
            w.Write((uint)ne.Length);
            foreach (long n in ne)
                w.Write((ulong)n);
            w.Write((uint)t.Type);
            w.Write(OffsetOverrides.TryGetValue(t.Name, out ulong forced) ? forced : (ulong)offset);
            offset = GgufFile.AlignUp(offset + t.ByteLength, Alignment);
        }
        Pad(counting);
        foreach (var t in _tensors)
        {
            long start = counting.Position;
            t.WriteData(counting);
            long written = counting.Position - start;
            if (written != t.ByteLength)
                throw new InvalidOperationException($"tensor '{t.Name}': wrote {written} bytes, expected {t.ByteLength}");
            Pad(counting);
        }
        counting.Flush();
    }

    private long Validate(string name, TensorType type, TensorShape shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Encoding.UTF8.GetByteCount(name) > GgufFile.MaxTensorNameBytes)
            throw new ArgumentException($"tensor name '{name}' is longer than {GgufFile.MaxTensorNameBytes} bytes", nameof(name));
        if (shape.Rank > GgufFile.MaxDims)
            throw new ArgumentException($"tensor '{name}' has {shape.Rank} dimensions; GGUF allows {GgufFile.MaxDims}", nameof(shape));
        if ((uint)type >= 1000)
            throw new ArgumentException($"tensor '{name}': {type} is not a ggml type", nameof(type));
        if (!_names.Add(name))
            throw new ArgumentException($"tensor '{name}' added twice", nameof(name));
        if (shape.RowLength % TensorTypeInfo.BlockSize(type) != 0)
            throw new ArgumentException($"tensor '{name}': row length {shape.RowLength} is not a multiple of the {type} block size", nameof(shape));
        return TensorTypeInfo.ByteCount(type, shape.ElementCount);
    }

    private void Pad(CountingStream s)
    {
        long padded = GgufFile.AlignUp(s.Position, Alignment);
        Span<byte> zeros = stackalloc byte[256];
        zeros.Clear();
        for (long left = padded - s.Position; left > 0; left -= zeros.Length)
            s.Write(zeros[..(int)Math.Min(left, zeros.Length)]);
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValue value)
    {
        switch (value.Value)
        {
            case byte v: w.Write(v); break;
            case sbyte v: w.Write(v); break;
            case ushort v: w.Write(v); break;
            case short v: w.Write(v); break;
            case uint v: w.Write(v); break;
            case int v: w.Write(v); break;
            case float v: w.Write(v); break;
            case bool v: w.Write((byte)(v ? 1 : 0)); break;
            case string v: WriteString(w, v); break;
            case ulong v: w.Write(v); break;
            case long v: w.Write(v); break;
            case double v: w.Write(v); break;
            case Array a:
                WriteArrayBody(w, value.ElementType!.Value, a);
                break;
            case PackedStringCollection strings:
                w.Write((uint)GgufValueType.String);
                w.Write((ulong)strings.Count);
                for (int i = 0; i < strings.Count; i++)
                {
                    w.Write((ulong)strings.Bytes(i).Length);
                    w.Write(strings.Bytes(i));
                }
                break;
            default:
                throw new InvalidOperationException($"unexpected GGUF value {value.Value.GetType()}");
        }
    }

    private static void WriteArrayBody(BinaryWriter w, GgufValueType elementType, Array elements)
    {
        w.Write((uint)elementType);
        w.Write((ulong)elements.Length);
        if (elements is GgufValue[] nested)
        {
            foreach (var inner in nested)
                WriteArrayBody(w, inner.ElementType!.Value, (Array)inner.Value);
            return;
        }
        foreach (var e in elements)
            WriteValue(w, GgufValue.Scalar(elementType, e!));
    }

    private sealed record PendingTensor(string Name, TensorType Type, TensorShape Shape, long ByteLength, Action<Stream> WriteData);

    /// <summary>Counts bytes written so offsets are known without seeking (the target may not be seekable).</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        private long _written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            _written += count;
        }
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            _written += buffer.Length;
        }
    }
}
