using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using StarChat.Engine.Tensors;

namespace StarChat.Generation.Benchmarking;

/// <summary>How fast the weights were read, and the generation speed that rate allows.</summary>
/// <param name="BytesPerPass">Bytes of one pass: every tensor once (what one decoding step reads).</param>
/// <param name="Threads">Threads that shared each pass.</param>
/// <param name="BytesPerSecond">The fastest pass.</param>
/// <param name="Checksum">Sum of the tensors' 8-byte words (then of their tail bytes), wrapping: the same however the
/// pass is split, so a test can tell that every byte was read once.</param>
public sealed record BandwidthResult(long BytesPerPass, int Threads, double BytesPerSecond, ulong Checksum)
{
    /// <summary>Decoding steps per second if a step cost only reading its weights at this rate.</summary>
    public double TokensPerSecondBound => BytesPerSecond / BytesPerPass;
}

/// <summary>
/// The memory-bandwidth ceiling of generation on this machine: one decoding step reads every matrix of the model
/// once, so reading those same bytes — where they lie, the mapped file's pages — as fast as the cores can, with no
/// arithmetic, bounds the tokens per second any engine reaches. Each thread reads a contiguous share of every tensor
/// with 256-bit loads (enough to saturate memory); the best of several passes counts.
/// </summary>
public static class MemoryBandwidth
{
    private const int ShareAlignment = 64;

    /// <summary>Reads <paramref name="tensors"/> <paramref name="passes"/> times on <paramref name="threads"/> threads.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No threads, no passes, or nothing to read.</exception>
    public static BandwidthResult Measure(IReadOnlyList<TensorView> tensors, int threads, int passes = 5)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        long total = 0;
        foreach (var t in tensors)
            total += t.ByteLength;
        ArgumentOutOfRangeException.ThrowIfZero(total, nameof(tensors));

        double best = double.MaxValue;
        ulong checksum = 0;
        var sums = new ulong[threads];
        for (int pass = 0; pass < passes; pass++)
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
            {
                ulong sum = 0;
                foreach (var tensor in tensors)
                {
                    var (from, to) = Share(tensor.ByteLength, thread, threads);
                    // The tensor's bytes by address (they may exceed a span's 2 GiB).
                    sum += Sum(ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), tensor.Address + (nint)from), to - from);
                }
                sums[thread] = sum;
            });
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
            checksum = 0;
            foreach (ulong s in sums)
                checksum += s;
        }
        return new BandwidthResult(total, threads, total / best, checksum);
    }

    // Thread t's bytes of a tensor: boundaries on 64-byte offsets from its start, so that every 8-byte word falls in
    // one share and the checksum does not depend on the split.
    private static (long From, long To) Share(long length, int thread, int threads)
    {
        long words = length / ShareAlignment;
        long from = words * thread / threads * ShareAlignment;
        long to = thread == threads - 1 ? length : words * (thread + 1) / threads * ShareAlignment;
        return (from, to);
    }

    private static ulong Sum(ref byte first, long length)
    {
        nuint n = (nuint)length, i = 0;
        var a0 = Vector256<ulong>.Zero;
        var a1 = Vector256<ulong>.Zero;
        var a2 = Vector256<ulong>.Zero;
        var a3 = Vector256<ulong>.Zero;
        for (; i + 128 <= n; i += 128)
        {
            a0 += Vector256.LoadUnsafe(ref first, i).AsUInt64();
            a1 += Vector256.LoadUnsafe(ref first, i + 32).AsUInt64();
            a2 += Vector256.LoadUnsafe(ref first, i + 64).AsUInt64();
            a3 += Vector256.LoadUnsafe(ref first, i + 96).AsUInt64();
        }
        ulong sum = Vector256.Sum(a0 + a1 + a2 + a3);
        for (; i + 8 <= n; i += 8)
            sum += Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref first, i));
        for (; i < n; i++)
            sum += Unsafe.Add(ref first, i);
        return sum;
    }
}
