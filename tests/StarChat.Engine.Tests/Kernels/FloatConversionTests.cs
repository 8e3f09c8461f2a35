using StarChat.Engine.Kernels;

namespace StarChat.Engine.Tests.Kernels;

public class FloatConversionTests
{
    public static TheoryData<KernelPath> Paths => KernelTestData.Paths;

    [Theory, MemberData(nameof(Paths))]
    public void HalfToSingle_AllBitPatterns_MatchSystemHalf(KernelPath path)
    {
        var bits = new ushort[65536 + 21];   // +21: past the last full cache line, one vector and a scalar tail
        for (int i = 0; i < bits.Length; i++)
            bits[i] = (ushort)i;
        var actual = new float[bits.Length];
        FloatConversion.HalfToSingle(path, bits, actual);
        for (int i = 0; i < bits.Length; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf(bits[i]);
            if (float.IsNaN(expected))
            {
                Assert.True(float.IsNaN(actual[i]), $"0x{bits[i]:X4}: expected NaN, got {actual[i]}");
                // Same sign and payload: f16 NaN 0xSEEEEEMMMMMMMMMM keeps its mantissa in the top f32 mantissa bits.
                Assert.Equal(BitConverter.SingleToUInt32Bits(expected) | 0x00400000u, BitConverter.SingleToUInt32Bits(actual[i]) | 0x00400000u);
            }
            else
            {
                Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual[i]),
                    $"{path} 0x{bits[i]:X4}: expected {expected:R}, got {actual[i]:R}");
            }
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void BFloat16ToSingle_AllBitPatterns_AreUpperHalfOfSingle(KernelPath path)
    {
        var bits = new ushort[65536 + 3];
        for (int i = 0; i < bits.Length; i++)
            bits[i] = (ushort)i;
        var actual = new float[bits.Length];
        FloatConversion.BFloat16ToSingle(path, bits, actual);
        for (int i = 0; i < bits.Length; i++)
            Assert.Equal((uint)bits[i] << 16, BitConverter.SingleToUInt32Bits(actual[i]));
    }

    [Fact]
    public void SingleToHalf_RoundsToNearestEven()
    {
        float[] source = [1f, 1f + 1f / 2048, 1f + 3f / 2048, 65520f, 1e-8f, -2.5f];
        var destination = new Half[source.Length];
        FloatConversion.SingleToHalf(source, destination);
        Assert.Equal((Half)1f, destination[0]);
        Assert.Equal((Half)1f, destination[1]);                      // tie goes to the even mantissa
        Assert.Equal(BitConverter.UInt16BitsToHalf(0x3C02), destination[2]);
        Assert.True(Half.IsPositiveInfinity(destination[3]));
        Assert.Equal(BitConverter.UInt16BitsToHalf(0x0000), destination[4]);
        Assert.Equal((Half)(-2.5f), destination[5]);
    }

    [Fact]
    public void HalfToSingle_DestinationTooShort_Throws()
        => Assert.Throws<ArgumentException>(() => FloatConversion.HalfToSingle(new Half[4], new float[3]));
}
