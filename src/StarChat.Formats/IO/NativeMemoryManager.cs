using System.Buffers;

namespace StarChat.Formats.IO;

/// <summary>
/// A <see cref="Memory{T}"/> over bytes that live in a mapped file or native buffer (a <see cref="Engine.Tensors.TensorView"/>),
/// so they can be handed to APIs that take memory without being copied. The owner of the bytes must outlive it.
/// </summary>
internal sealed unsafe class NativeMemoryManager(nint address, int length) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => new((void*)address, length);

    public override MemoryHandle Pin(int elementIndex = 0) => new((byte*)address + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
