using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Per-thread scratch buffers for kernels. They grow to the largest size asked for (rounded up to a power of two) and
/// are then reused, so steady-state calls allocate nothing. Each starts on a 64-byte boundary (see
/// <see cref="AlignedArray{T}"/>): the prompt tiles read their widened rows and prepared activations from these.
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
    public static Span<float> Floats(int length) => AlignedArray<float>.Reuse(ref t_floats, length);

    /// <summary>A second float buffer, independent of <see cref="Floats"/>.</summary>
    public static Span<float> Floats2(int length) => AlignedArray<float>.Reuse(ref t_floats2, length);

    /// <summary>A byte buffer of at least <paramref name="length"/> bytes, private to this thread; contents undefined.</summary>
    public static Span<byte> Bytes(int length) => AlignedArray<byte>.Reuse(ref t_bytes, length);
}
