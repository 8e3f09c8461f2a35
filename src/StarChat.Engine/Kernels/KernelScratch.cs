namespace StarChat.Engine.Kernels;

/// <summary>
/// Per-thread scratch buffers for kernels. They grow to the largest size asked for (rounded up to a power of two) and
/// are then reused, so steady-state calls allocate nothing.
/// </summary>
internal static class KernelScratch
{
    [ThreadStatic]
    private static float[]? t_floats;

    [ThreadStatic]
    private static float[]? t_floats2;

    [ThreadStatic]
    private static byte[]? t_bytes;

    /// <summary>A float buffer of at least <paramref name="length"/> elements, private to this thread; contents
    /// undefined. It starts on a 64-byte boundary, so vector loads from it never straddle cache lines.</summary>
    public static unsafe Span<float> Floats(int length)
    {
        const int AlignFloats = 64 / sizeof(float);
        var buffer = t_floats;
        if (buffer is null || buffer.Length < length + AlignFloats)
        {
            long size = Math.Max(64, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(length + AlignFloats)));
            buffer = t_floats = GC.AllocateUninitializedArray<float>((int)Math.Min(Array.MaxLength, size), pinned: true);
        }
        // Pinned (on the pinned object heap), so the offset to the boundary stays valid.
        fixed (float* p = buffer)
            return buffer.AsSpan((int)((64 - ((nint)p & 63)) & 63) / sizeof(float), length);
    }

    /// <summary>A second float buffer, independent of <see cref="Floats"/>.</summary>
    public static Span<float> Floats2(int length) => Grow(ref t_floats2, length).AsSpan(0, length);

    /// <summary>A byte buffer of at least <paramref name="length"/> bytes, private to this thread; contents undefined.</summary>
    public static Span<byte> Bytes(int length) => Grow(ref t_bytes, length).AsSpan(0, length);

    private static T[] Grow<T>(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
            buffer = GC.AllocateUninitializedArray<T>((int)Math.Min(Array.MaxLength, Math.Max(64, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)length))));
        return buffer;
    }
}
