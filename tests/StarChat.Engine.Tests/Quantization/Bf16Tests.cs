using StarChat.Engine.Quantization;

namespace StarChat.Engine.Tests.Quantization;

public class Bf16Tests
{
    [Theory]
    [InlineData(0x3F80_0000u, 0x3F80)]   // 1.0
    [InlineData(0x3F80_8000u, 0x3F80)]   // tie, kept part even: stays
    [InlineData(0x3F81_8000u, 0x3F82)]   // tie, kept part odd: rounds up to even
    [InlineData(0x3F80_8001u, 0x3F81)]   // just above the tie
    [InlineData(0x3F80_7FFFu, 0x3F80)]   // just below the tie
    [InlineData(0x7F7F_FFFFu, 0x7F80)]   // largest finite f32 rounds to ∞
    [InlineData(0x7F80_0000u, 0x7F80)]   // ∞
    [InlineData(0x0000_8001u, 0x0001)]   // subnormals are kept, not flushed
    [InlineData(0x7F80_0001u, 0x7FC0)]   // signalling NaN: quieted, never rounded into ∞
    [InlineData(0xFFC0_0000u, 0xFFC0)]   // quiet NaN keeps sign and payload
    public void FromSingle_BitPattern_RoundsLikeGgml(uint input, int expected)
        => Assert.Equal((ushort)expected, Bf16.FromSingle(BitConverter.UInt32BitsToSingle(input)));

    [Fact]
    public void ToSingle_AnyBits_IsUpperHalfOfF32()
        => Assert.Equal(BitConverter.UInt32BitsToSingle(0xC049_0000), Bf16.ToSingle(0xC049));
}
