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
    public unsafe AlignedArray(int length, bool zeroed = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int pad = 64 / sizeof(T);
        _array = zeroed
            ? GC.AllocateArray<T>(checked(length + pad), pinned: true)
            : GC.AllocateUninitializedArray<T>(checked(length + pad), pinned: true);
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
        int pad = 64 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (buffer is null || buffer.Length < (long)length + pad)
        {
            long size = Math.Max(64, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(length + pad)));
            buffer = GC.AllocateUninitializedArray<T>((int)Math.Min(Array.MaxLength, size), pinned: true);
        }
        return buffer.AsSpan(OffsetOf(buffer), length);
    }

    private static unsafe int OffsetOf(T[] pinned)
    {
        fixed (T* p = pinned)
            return (int)((64 - ((nint)p & 63)) & 63) / sizeof(T);
    }
}
