using StarChat.Formats.IO;
using StarChat.Formats.Tests.Support;

namespace StarChat.Formats.Tests.IO;

/// <summary>
/// The chunked writer passes on every byte in order, and each write it makes starts and ends on a chunk boundary except
/// where the stream itself started mid-chunk or ends; mapped files get the huge-page advice.
/// </summary>
public sealed class ChunkAlignedWriteStreamTests : IDisposable
{
    private const int Chunk = ChunkAlignedWriteStream.ChunkBytes;
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<int, long> Cases() => new()
    {
        // seed, where the target stream starts
        { 1, 0 },
        { 2, 0 },
        { 3, 1 },
        { 4, Chunk - 1 },
        { 5, 3L * Chunk + 12345 },
        { 6, 2L * Chunk },
        { 8, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Write_PiecesOfAnySize_ReachTheTargetInAlignedChunks(int seed, long start)
    {
        var (data, pieces) = Pieces(seed);
        var target = new RecordingStream(start);
        using (var stream = new ChunkAlignedWriteStream(target, leaveOpen: true))
        {
            int at = 0;
            foreach (int size in pieces)
            {
                stream.Write(data, at, size);
                at += size;
                Assert.Equal(start + at, stream.Position);
            }
        }

        AssertAligned(target, start, data);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task WriteAsync_PiecesOfAnySize_ReachTheTargetInAlignedChunks(int seed, long start)
    {
        var (data, pieces) = Pieces(seed);
        var target = new RecordingStream(start);
        await using (var stream = new ChunkAlignedWriteStream(target, leaveOpen: true))
        {
            int at = 0;
            foreach (int size in pieces)
            {
                await stream.WriteAsync(data.AsMemory(at, size), TestContext.Current.CancellationToken);
                at += size;
            }
        }

        AssertAligned(target, start, data);
    }

    [Fact]
    public void Flush_MidChunk_WritesWhatIsBufferedAndRealignsAtTheNextBoundary()
    {
        var data = new byte[3 * Chunk];
        new Random(9).NextBytes(data);
        var target = new RecordingStream(0);
        using var stream = new ChunkAlignedWriteStream(target, leaveOpen: true);

        stream.Write(data, 0, 1000);
        stream.Flush();
        Assert.Equal([(0L, 1000)], target.Writes);
        Assert.Equal(1, target.Flushes);

        stream.Write(data, 1000, data.Length - 1000);
        stream.Flush();
        // The rest of the first chunk, then whole chunks.
        Assert.Equal([(0L, 1000), (1000L, Chunk - 1000), (Chunk, 2 * Chunk)], target.Writes);
        Assert.True(data.AsSpan().SequenceEqual(target.ToArray()), "the bytes differ");
    }

    [Fact]
    public void Dispose_WritesTheTailAndClosesTheTargetUnlessLeftOpen()
    {
        var kept = new RecordingStream(0);
        using (var stream = new ChunkAlignedWriteStream(kept, leaveOpen: true))
            stream.Write(new byte[10]);
        Assert.Equal([(0L, 10)], kept.Writes);
        Assert.True(kept.CanWrite);

        var closed = new RecordingStream(0);
        var owner = new ChunkAlignedWriteStream(closed);
        owner.Write(new byte[10]);
        owner.Dispose();
        Assert.Equal(10, closed.ToArray().Length);
        Assert.False(closed.CanWrite);
        Assert.False(owner.CanWrite);
        Assert.Throws<ObjectDisposedException>(() => owner.Write(new byte[1]));
    }

    [Fact]
    public void Constructor_ReadOnlyTarget_Throws()
    {
        using var readOnly = new MemoryStream(new byte[10], writable: false);
        Assert.Throws<ArgumentException>(() => new ChunkAlignedWriteStream(readOnly));
    }

    [Fact]
    public void OpenFile_MappedFile_IsAdvisedToUseHugePages()
    {
        string path = _temp.File("weights.bin", new byte[3 * 1024 * 1024]);
        using var source = ByteSource.OpenFile(path);

        // The "hg" flag (VM_HUGEPAGE) is set where the kernel has transparent huge pages at all; madvise fails without them.
        if (OperatingSystem.IsLinux() && Directory.Exists("/sys/kernel/mm/transparent_hugepage"))
            Assert.Contains("hg", ProcSmaps.Field(path, "VmFlags:").Split(' '));
        Assert.Equal(0, source.Span(0, 16)[7]);
    }

    // Random data cut into pieces from 0 bytes to a few chunks, most of them small, as the writers produce.
    private static (byte[] Data, List<int> Pieces) Pieces(int seed)
    {
        var random = new Random(seed);
        var data = new byte[7 * Chunk + random.Next(Chunk)];
        random.NextBytes(data);
        // Even seeds open with a piece of over two chunks, which must not go straight through from mid-chunk.
        var pieces = new List<int>();
        if (seed % 2 == 0)
            pieces.Add(2 * Chunk + 7);
        for (int left = data.Length - pieces.Sum(); left > 0;)
        {
            int size = random.Next(4) switch
            {
                0 => random.Next(100),
                1 => random.Next(64 * 1024),
                2 => random.Next(Chunk),
                _ => random.Next(3 * Chunk),
            };
            size = Math.Min(size, left);
            pieces.Add(size);
            left -= size;
        }
        return (data, pieces);
    }

    private static void AssertAligned(RecordingStream target, long start, byte[] data)
    {
        Assert.True(data.AsSpan().SequenceEqual(target.ToArray().AsSpan((int)start)), "the bytes differ");
        long next = start;
        for (int i = 0; i < target.Writes.Count; i++)
        {
            var (offset, length) = target.Writes[i];
            Assert.Equal(next, offset);
            Assert.True(length > 0, $"write {i} is empty");
            Assert.True(i == 0 || offset % Chunk == 0, $"write {i} starts at {offset}, not on a chunk boundary");
            Assert.True(i == target.Writes.Count - 1 || (offset + length) % Chunk == 0, $"write {i} ends at {offset + length}, not on a chunk boundary");
            next = offset + length;
        }
        Assert.Equal(start + data.Length, next);
    }

    // A memory stream that starts at a given position and records each write it is given.
    private sealed class RecordingStream : MemoryStream
    {
        public RecordingStream(long start)
        {
            SetLength(start);
            Position = start;
        }

        public List<(long Offset, int Length)> Writes { get; } = [];

        public int Flushes { get; private set; }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes.Add((Position, count));
            base.Write(buffer, offset, count);
        }

        // MemoryStream's span overload, in a derived class, calls the array overload above.
        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush() => Flushes++;
    }
}
