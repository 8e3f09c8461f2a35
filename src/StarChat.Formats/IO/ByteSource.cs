using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace StarChat.Formats.IO;

/// <summary>
/// A read-only run of bytes at a fixed address: a memory-mapped file, or native memory holding a copy (tests, fuzzing,
/// files too small to map). Readers parse headers through <see cref="ByteReader"/> and hand tensor views out as
/// addresses into the source, so tensor data is never copied. The source must outlive those views.
/// </summary>
internal abstract unsafe class ByteSource : IDisposable
{
    protected ByteSource(string origin) => Origin = origin;

    /// <summary>The path (or a description) used in error messages.</summary>
    public string Origin { get; }

    /// <summary>Number of bytes.</summary>
    public abstract long Length { get; }

    /// <summary>Address of byte 0 (may be null when <see cref="Length"/> is 0).</summary>
    protected abstract byte* Pointer { get; }

    /// <summary>Maps a file read-only. An empty file yields an empty source (mapping needs a non-zero size).</summary>
    public static ByteSource OpenFile(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
        try
        {
            if (stream.Length == 0)
            {
                stream.Dispose();
                return new NativeByteSource(path, 0);
            }
            return new MappedByteSource(path, stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Copies <paramref name="bytes"/> into native memory owned by the source.</summary>
    public static ByteSource FromBytes(ReadOnlySpan<byte> bytes, string origin)
    {
        var source = new NativeByteSource(origin, bytes.Length);
        bytes.CopyTo(source.Writable);
        return source;
    }

    /// <summary>Wraps memory the caller owns and keeps alive (used by the fuzz tests to avoid a copy per case).</summary>
    public static ByteSource Borrow(nint address, long length, string origin) => new BorrowedByteSource(origin, (byte*)address, length);

    /// <summary>The address of byte <paramref name="offset"/>.</summary>
    public nint Address(long offset)
    {
        if ((ulong)offset > (ulong)Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"{offset} outside 0..{Length}");
        return (nint)(Pointer + offset);
    }

    /// <summary>The bytes <c>[offset, offset + length)</c>; the caller has checked the range.</summary>
    public ReadOnlySpan<byte> Span(long offset, int length)
    {
        CheckRange(offset, length, nameof(length));
        return new ReadOnlySpan<byte>(Pointer + offset, length);
    }

    /// <summary>A read-only stream over <c>[offset, offset + length)</c>; the caller has checked the range.</summary>
    public Stream Stream(long offset, long length)
    {
        CheckRange(offset, length, nameof(length));
        return new UnmanagedMemoryStream(Pointer + offset, length);
    }

    private void CheckRange(long offset, long length, string parameter)
    {
        if (length < 0 || (ulong)offset > (ulong)Length || (ulong)length > (ulong)(Length - offset))
            throw new ArgumentOutOfRangeException(parameter, $"[{offset}, +{length}) outside 0..{Length}");
    }

    /// <summary>The offset of <paramref name="address"/>, which must lie inside this source.</summary>
    public long OffsetOf(nint address)
    {
        long offset = (long)((byte*)address - Pointer);
        if ((ulong)offset > (ulong)Length)
            throw new ArgumentOutOfRangeException(nameof(address), $"0x{address:x} outside {Origin}");
        return offset;
    }

    /// <summary>True when <c>[address, address + length)</c> lies inside this source.</summary>
    public bool Covers(nint address, long length)
    {
        long start = (long)((byte*)address - Pointer);
        return start >= 0 && length >= 0 && start <= Length && length <= Length - start;
    }

    /// <summary>
    /// Starts bringing the pages of <paramref name="ranges"/> (offsets into this source, read in the order given) into
    /// memory on a background thread (<see cref="PageToucher"/>), unless they add up to more than the memory this
    /// process may use; a no-op for sources that are not mapped files, and when already started. Stopped when the
    /// source is disposed.
    /// </summary>
    public void Prefetch(IReadOnlyList<(long Offset, long Length)> ranges)
    {
        foreach (var (offset, length) in ranges)
            CheckRange(offset, length, nameof(ranges));
        StartPrefetch(ranges);
    }

    /// <summary><see cref="Prefetch"/> for ranges already checked.</summary>
    protected virtual void StartPrefetch(IReadOnlyList<(long Offset, long Length)> ranges) { }

    /// <summary>The running or finished prefetch, if <see cref="Prefetch"/> started one (tests).</summary>
    internal virtual PageToucher? Prefetching => null;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);

    private sealed class MappedByteSource : ByteSource
    {
        private const long HugePageBytes = 2 << 20;
        private readonly MemoryMappedFile _map;
        private readonly MemoryMappedViewAccessor _view;
        private readonly byte* _pointer;
        private readonly long _length;
        private bool _released;

        public MappedByteSource(string origin, FileStream stream) : base(origin)
        {
            _length = stream.Length;
            _map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            try
            {
                _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                byte* p = null;
                _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
                // The view may start before the requested offset when offset 0 is not page-aligned (it always is here).
                _pointer = p + _view.PointerOffset;
                // The kernel maps a file's 2 MiB page-cache folios with one entry each (what they save:
                // ChunkAlignedWriteStream, which writes files so); the advice has a read from disk build them from the
                // first fault (a cold 1.2 GiB Q8_0 file touched page by page: 0.23 s with it, 0.88 s without).
                if (_length >= HugePageBytes)
                    MemoryAdvice.Advise(_pointer, _length, MemoryAdvice.HugePage);
            }
            catch
            {
                _view?.Dispose();
                _map.Dispose();
                throw;
            }
        }

        private PageToucher? _toucher;

        public override long Length => _length;
        protected override byte* Pointer => _released ? throw new ObjectDisposedException(Origin) : _pointer;
        internal override PageToucher? Prefetching => _toucher;

        protected override void StartPrefetch(IReadOnlyList<(long Offset, long Length)> ranges)
        {
            // Beyond the memory there is, touching every page would only evict the first ones again.
            if (_released || _toucher is not null || ranges.Sum(r => r.Length) >= GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)
                return;
            _toucher = PageToucher.Start(_pointer, ranges);
        }

        protected override void Dispose(bool disposing)
        {
            if (_released) return;
            _released = true;
            _toucher?.Stop();
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map.Dispose();
        }
    }

    private sealed class NativeByteSource : ByteSource
    {
        private byte* _pointer;
        private readonly long _length;

        public NativeByteSource(string origin, long length) : base(origin)
        {
            _length = length;
            _pointer = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, length));
        }

        public Span<byte> Writable => new(_pointer, checked((int)_length));
        public override long Length => _length;
        protected override byte* Pointer => _pointer is null ? throw new ObjectDisposedException(Origin) : _pointer;

        protected override void Dispose(bool disposing)
        {
            NativeMemory.Free(_pointer);
            _pointer = null;
        }

        ~NativeByteSource() => Dispose(false);
    }

    private sealed class BorrowedByteSource(string origin, byte* pointer, long length) : ByteSource(origin)
    {
        public override long Length => length;
        protected override byte* Pointer => pointer;
        protected override void Dispose(bool disposing) { }
    }
}
