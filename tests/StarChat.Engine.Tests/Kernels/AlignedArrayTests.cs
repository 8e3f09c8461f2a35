using StarChat.Engine.Kernels;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Kernels;

public sealed class AlignedArrayTests
{
    [Fact]
    public void ScratchAndAlignedArrays_StartOnACacheLine()
    {
        foreach (int length in new[] { 1, 100, 5000 })
        {
            Assert.Equal(0, Address(KernelScratch.Floats(length)) % 64);
            Assert.Equal(0, Address(KernelScratch.Floats2(length)) % 64);
            Assert.Equal(0, Address(KernelScratch.Bytes(length)) % 64);
            Assert.Equal(0, Address(new AlignedArray<float>(length).Span) % 64);
            Assert.Equal(0, Address(new AlignedArray<Half>(length, zeroed: false).Span) % 64);
            Assert.Equal(length, new AlignedArray<byte>(length).Span.Length);
        }
    }

    private static unsafe long Address<T>(Span<T> span) where T : unmanaged
    {
        fixed (T* p = span)
            return (long)p;
    }
}
