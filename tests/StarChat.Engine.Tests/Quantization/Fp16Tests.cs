using StarChat.Engine.Quantization;

namespace StarChat.Engine.Tests.Quantization;

public class Fp16Tests
{
    [Theory]
    [InlineData(0f, 0x0000)]
    [InlineData(-0f, 0x8000)]
    [InlineData(1f, 0x3C00)]
    [InlineData(-2f, 0xC000)]
    [InlineData(65504f, 0x7BFF)]                 // largest finite f16
    [InlineData(65519.996f, 0x7BFF)]             // just below the halfway point to 65536
    [InlineData(65520f, 0x7C00)]                 // halfway, ties to even: the "even" neighbour is ∞
    [InlineData(1e10f, 0x7C00)]
    [InlineData(float.PositiveInfinity, 0x7C00)]
    [InlineData(float.NegativeInfinity, 0xFC00)]
    [InlineData(6.1035156e-05f, 0x0400)]         // 2^-14, smallest normal
    [InlineData(5.9604645e-08f, 0x0001)]         // 2^-24, smallest subnormal
    [InlineData(2.9802322e-08f, 0x0000)]         // 2^-25: halfway to the smallest subnormal, ties to even (0)
    [InlineData(2.9802326e-08f, 0x0001)]         // next f32 above 2^-25 rounds up
    [InlineData(8.940697e-08f, 0x0002)]          // 1.5·2^-24: tie between 1 and 2 ulps, even is 2
    [InlineData(1.00048828125f, 0x3C00)]         // 1 + 2^-11: tie, even is 1
    [InlineData(1.00146484375f, 0x3C02)]         // 1 + 3·2^-11: tie, even is 1 + 2^-9
    public void FromSingle_EdgeValue_RoundsLikeGgml(float value, int expectedBits)
        => Assert.Equal((ushort)expectedBits, Fp16.FromSingle(value));

    [Fact]
    public void FromSingle_JustAboveTie_RoundsUp()
    {
        float tie = 1.00048828125f;                 // 1 + 2^-11
        Assert.Equal((ushort)0x3C01, Fp16.FromSingle(MathF.BitIncrement(tie)));
    }

    [Fact]
    public void FromSingle_NaN_IsGgmlsCanonicalQuietNaNWithSign()
    {
        Assert.Equal((ushort)0x7E00, Fp16.FromSingle(BitConverter.UInt32BitsToSingle(0x7F80_0001)));
        Assert.Equal((ushort)0x7E00, Fp16.FromSingle(BitConverter.UInt32BitsToSingle(0x7FFF_FFFF)));
        Assert.Equal((ushort)0xFE00, Fp16.FromSingle(BitConverter.UInt32BitsToSingle(0xFFC0_0000)));
    }

    [Fact]
    public void FromSingle_RandomBitPatterns_AgreesWithSystemHalf()
    {
        // System.Half is an independent IEEE round-to-nearest-even implementation; NaNs are excluded because ggml
        // canonicalizes them. (All 2^32 inputs were compared with ggml's own C conversion outside CI: identical.)
        var rng = new Random(42);
        for (int i = 0; i < 1_000_000; i++)
        {
            float f = BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32));
            if (float.IsNaN(f))
                continue;
            Assert.Equal(BitConverter.HalfToUInt16Bits((Half)f), Fp16.FromSingle(f));
        }
    }

    [Fact]
    public void FromSingle_EveryF16Value_RoundTripsExactly()
    {
        for (int bits = 0; bits <= 0xFFFF; bits++)
        {
            float f = Fp16.ToSingle((ushort)bits);
            if (!float.IsNaN(f))
                Assert.Equal((ushort)bits, Fp16.FromSingle(f));
        }
    }

    [Fact]
    public void ToSingle_Subnormal_IsExact()
    {
        Assert.Equal(MathF.ScaleB(1f, -24), Fp16.ToSingle(0x0001));
        Assert.Equal(MathF.ScaleB(1023f, -24), Fp16.ToSingle(0x03FF));
        Assert.Equal(-65504f, Fp16.ToSingle(0xFBFF));
    }

    [Fact]
    public void ToSingle_Row_ReadsLittleEndianAtOddOffset()
    {
        byte[] bytes = [0xAA, 0x00, 0x3C, 0x00, 0xC0];
        var values = new float[2];
        Fp16.ToSingle(bytes.AsSpan(1), values);
        Assert.Equal([1f, -2f], values);
    }

    [Fact]
    public void FromSingle_RowWithWrongByteCount_Throws()
        => Assert.Throws<ArgumentException>(() => Fp16.FromSingle([1f, 2f], new byte[3]));
}
