namespace StarChat.Engine.Tensors;

/// <summary>
/// An array whose first element sits on a 64-byte boundary (pinned, so it stays there). The kernels' 512-bit loads
/// from a buffer that starts mid-line straddle two cache lines each, which costs two L1 accesses per load.
/// </summary>
internal sealed class AlignedArray<T> where T : unmanaged
{
    private readonly T[] _array;
    private readonly int _offset;

    /// <param name="length">Elements.</param>
    /// <param name="zeroed">False leaves the contents undefined (a large buffer's pages are then not touched until
    /// written).</param>
    public AlignedArray(int length, bool zeroed = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _array = zeroed
            ? GC.AllocateArray<T>(checked(length + Pad), pinned: true)
            : GC.AllocateUninitializedArray<T>(checked(length + Pad), pinned: true);
        _offset = OffsetOf(_array);
        Length = length;
    }

    public int Length { get; }

    public Span<T> Span => _array.AsSpan(_offset, Length);

    public Span<T> AsSpan(int start, int length) => Span.Slice(start, length);

    /// <summary>A buffer of at least <paramref name="length"/> elements, reusing <paramref name="buffer"/> when it is
    /// large enough (grown to a power of two otherwise); contents undefined.</summary>
    public static Span<T> Reuse(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < (long)length + Pad)
        {
            long size = Math.Max(64, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(length + Pad)));
            buffer = GC.AllocateUninitializedArray<T>((int)Math.Min(Array.MaxLength, size), pinned: true);
        }
        return buffer.AsSpan(OffsetOf(buffer), length);
    }

    // Elements to skip, at most, to reach the next 64-byte boundary.
    private static int Pad => 64 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    private static unsafe int OffsetOf(T[] pinned)
    {
        fixed (T* p = pinned)
            return (int)((64 - ((nint)p & 63)) & 63) / sizeof(T);
    }
}
