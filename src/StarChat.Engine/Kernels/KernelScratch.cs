namespace StarChat.Engine.Kernels;

/// <summary>
/// Per-thread scratch buffers for kernels. They grow to the largest size asked for (rounded up to a power of two) and
/// are then reused, so steady-state calls allocate nothing. Each starts on a 64-byte boundary, so vector loads from it
/// never straddle cache lines (a 512-bit load that does costs two L1 accesses: the prompt tiles read their widened
/// rows and prepared activations from these).
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
    /// undefined.</summary>
    public static Span<float> Floats(int length) => Aligned(ref t_floats, length);

    /// <summary>A second float buffer, independent of <see cref="Floats"/>.</summary>
    public static Span<float> Floats2(int length) => Aligned(ref t_floats2, length);

    /// <summary>A byte buffer of at least <paramref name="length"/> bytes, private to this thread; contents undefined.</summary>
    public static Span<byte> Bytes(int length) => Aligned(ref t_bytes, length);

    private static unsafe Span<T> Aligned<T>(ref T[]? buffer, int length) where T : unmanaged
    {
        int alignElements = 64 / sizeof(T);
        if (buffer is null || buffer.Length < (long)length + alignElements)
        {
            long size = Math.Max(64, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(length + alignElements)));
            buffer = GC.AllocateUninitializedArray<T>((int)Math.Min(Array.MaxLength, size), pinned: true);
        }
        // Pinned (on the pinned object heap), so the offset to the boundary stays valid.
        fixed (T* p = buffer)
            return buffer.AsSpan((int)((64 - ((nint)p & 63)) & 63) / sizeof(T), length);
    }
}
