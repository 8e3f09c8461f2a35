using System.Runtime.InteropServices;

namespace StarChat.Formats.IO;

/// <summary>
/// Native memory owned by a weight source, for the few tensors that cannot be views into the file: legacy GGML
/// K/V heads folded back to one multi-query head, and decompressed zip records. Freed with the source.
/// </summary>
internal sealed unsafe class NativeBuffer : IDisposable
{
    private byte* _pointer;

    public NativeBuffer(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        _pointer = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(1, length));
    }

    public long Length { get; }

    public nint Address => _pointer is null ? throw new ObjectDisposedException(nameof(NativeBuffer)) : (nint)_pointer;

    /// <summary>The bytes <c>[offset, offset + length)</c> for writing.</summary>
    public Span<byte> Slice(long offset, int length)
    {
        if (length < 0 || (ulong)offset > (ulong)Length || (ulong)length > (ulong)(Length - offset))
            throw new ArgumentOutOfRangeException(nameof(length));
        return new Span<byte>((byte*)Address + offset, length);
    }

    public void Dispose()
    {
        NativeMemory.Free(_pointer);
        _pointer = null;
        GC.SuppressFinalize(this);
    }

    ~NativeBuffer() => NativeMemory.Free(_pointer);
}
