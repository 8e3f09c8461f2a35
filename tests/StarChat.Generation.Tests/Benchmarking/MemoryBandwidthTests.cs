using System.Runtime.InteropServices;
using StarChat.Engine.Tensors;
using StarChat.Generation.Benchmarking;

namespace StarChat.Generation.Tests.Benchmarking;

/// <summary>
/// The bandwidth probe behind <c>bench --bandwidth</c>: it must read every byte of every tensor exactly once whatever
/// the thread count (its checksum against a plain loop over the same bytes), and count the bytes of one pass.
/// </summary>
public sealed class MemoryBandwidthTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void Measure_ReadsEveryByteOnce_AnyThreadCount(int threads)
    {
        // Lengths off every boundary the reader has: 128-byte steps, 8-byte words, 64-byte shares, and one tensor
        // shorter than a share per thread.
        byte[][] buffers = [Bytes(1_000_003, seed: 1), Bytes(4096, seed: 2), Bytes(77, seed: 3), Bytes(130, seed: 4)];
        var handles = buffers.Select(b => GCHandle.Alloc(b, GCHandleType.Pinned)).ToArray();
        try
        {
            var views = buffers.Select((b, i) => new TensorView($"t{i}", TensorType.U8, new TensorShape(b.Length),
                handles[i].AddrOfPinnedObject(), b.Length)).ToArray();

            var result = MemoryBandwidth.Measure(views, threads, passes: 2);

            Assert.Equal(buffers.Sum(b => (long)b.Length), result.BytesPerPass);
            Assert.Equal(threads, result.Threads);
            Assert.Equal(buffers.Aggregate(0UL, (sum, b) => sum + WordSum(b)), result.Checksum);
            Assert.True(result.BytesPerSecond > 0);
            Assert.Equal(result.BytesPerSecond / result.BytesPerPass, result.TokensPerSecondBound, 1e-9);
        }
        finally
        {
            foreach (var h in handles)
                h.Free();
        }
    }

    [Fact]
    public void Measure_NothingToRead_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => MemoryBandwidth.Measure([], threads: 1));

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    // The checksum's definition: the tensor's whole 8-byte words from its start, then its tail bytes, wrapping.
    private static ulong WordSum(byte[] b)
    {
        ulong sum = 0;
        int i = 0;
        for (; i + 8 <= b.Length; i += 8)
            sum += BitConverter.ToUInt64(b, i);
        for (; i < b.Length; i++)
            sum += b[i];
        return sum;
    }
}
