namespace StarChat.Formats.IO;

/// <summary>Spans over raw addresses handed out by <see cref="ByteSource"/> and <see cref="NativeBuffer"/>.</summary>
internal static unsafe class RawMemory
{
    /// <summary>The <paramref name="length"/> bytes at <paramref name="address"/>; the caller guarantees they are valid.</summary>
    public static ReadOnlySpan<byte> Span(nint address, int length) => new((void*)address, length);
}
