using System.Buffers.Binary;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Quantization;

public class DequantizeTests
{
    public static TheoryData<TensorType> BlockTypes =>
    [
        TensorType.Q4_0, TensorType.Q4_1, TensorType.Q5_0, TensorType.Q5_1, TensorType.Q8_0, TensorType.Q8_1,
        TensorType.Q2_K, TensorType.Q3_K, TensorType.Q4_K, TensorType.Q5_K, TensorType.Q6_K, TensorType.Q8_K,
        TensorType.IQ4_NL,
    ];

    [Fact]
    public void Row_FormatsDocQ4_0Example_GivesDocumentedValues()
    {
        // formats.md §9 worked example, a block from ggml's reference quantizer
        byte[] block = Convert.FromHexString("95b6b12e11c57fa029113c6cc24d2cff2538");
        var y = new float[32];
        Dequantize.Row(TensorType.Q4_0, block, y);

        float d = (float)BitConverter.UInt16BitsToHalf(0xB695);
        Assert.Equal(-0.411377f, d, 6);
        Assert.Equal(2.879639f, y[0], 6);
        Assert.Equal(-1.234131f, y[16], 6);
        Assert.Equal(-2.468262f, y[1], 6);
        Assert.Equal(-7 * d, y[0]);
    }

    [Fact]
    public void Row_HandBuiltQ4_1_IsScaleTimesCodePlusMin()
    {
        var block = new byte[20];
        BinaryPrimitives.WriteHalfLittleEndian(block, (Half)0.5f);
        BinaryPrimitives.WriteHalfLittleEndian(block.AsSpan(2), (Half)(-1f));
        block[4] = 0xF3;
        var y = new float[32];
        Dequantize.Row(TensorType.Q4_1, block, y);
        Assert.Equal(0.5f, y[0]);     // 3·0.5 − 1
        Assert.Equal(6.5f, y[16]);    // 15·0.5 − 1
        Assert.Equal(-1f, y[1]);
    }

    [Fact]
    public void Row_HandBuiltQ5_0_TakesFifthBitFromQh()
    {
        var block = new byte[22];
        BinaryPrimitives.WriteHalfLittleEndian(block, (Half)1f);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(2), (1u << 0) | (1u << 16));
        block[6] = 0x21;
        var y = new float[32];
        Dequantize.Row(TensorType.Q5_0, block, y);
        Assert.Equal(1f, y[0]);       // (1 | 16) − 16
        Assert.Equal(2f, y[16]);      // (2 | 16) − 16
        Assert.Equal(-16f, y[1]);
    }

    [Fact]
    public void Row_HandBuiltQ2_K_UsesGroupScaleAndMin()
    {
        var block = new byte[84];
        block[5] = 0x32;                                   // group 5: scale 2, min 3
        block[16 + 16] = 0b11 << 4;                        // weight 80: byte 16 of qs, bits 4-5
        BinaryPrimitives.WriteHalfLittleEndian(block.AsSpan(80), (Half)1f);
        BinaryPrimitives.WriteHalfLittleEndian(block.AsSpan(82), (Half)0.5f);
        var y = new float[256];
        Dequantize.Row(TensorType.Q2_K, block, y);
        Assert.Equal(4.5f, y[80]);    // 1·2·3 − 0.5·3
        Assert.Equal(-1.5f, y[81]);   // q = 0
    }

    [Fact]
    public void Row_HandBuiltQ6_K_CombinesLowNibbleHighBitsAndSignedScale()
    {
        var block = new byte[210];
        block[72] = 0xA0;                                  // weight 200: ql[64 + 8], high nibble (quarter 2)
        block[128 + 40] = 0b10 << 4;                       // qh[32 + 8], bits 4-5
        block[192 + 12] = unchecked((byte)(sbyte)-3);      // scale of group 12
        BinaryPrimitives.WriteHalfLittleEndian(block.AsSpan(208), (Half)0.25f);
        var y = new float[256];
        Dequantize.Row(TensorType.Q6_K, block, y);
        Assert.Equal(-7.5f, y[200]);  // 0.25·(−3)·((10 | 2 << 4) − 32)
    }

    [Fact]
    public void Row_HandBuiltQ8_K_UsesF32Scale()
    {
        var block = new byte[292];
        BinaryPrimitives.WriteSingleLittleEndian(block, 0.5f);
        block[4 + 3] = unchecked((byte)(sbyte)-7);
        var y = new float[256];
        Dequantize.Row(TensorType.Q8_K, block, y);
        Assert.Equal(-3.5f, y[3]);
    }

    [Theory]
    [MemberData(nameof(BlockTypes))]
    public void Row_RandomBlocks_MatchesFormatsDocFormulaBitForBit(TensorType type)
    {
        int blockBytes = TensorTypeInfo.BlockBytes(type), blockSize = TensorTypeInfo.BlockSize(type);
        const int blocks = 64;
        var data = RandomBlocks(type, blocks, seed: (int)type);
        var y = new float[blocks * blockSize];
        Dequantize.Row(type, data, y);

        for (int b = 0; b < blocks; b++)
        {
            ReadOnlySpan<byte> block = data.AsSpan(b * blockBytes, blockBytes);
            for (int i = 0; i < blockSize; i++)
            {
                float expected = SpecDecoder.Element(type, block, i);
                float actual = y[b * blockSize + i];
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                    $"{type} block {b} element {i}: spec {expected:R}, engine {actual:R}");
            }
        }
    }

    [Fact]
    public void Row_PlainTypes_ConvertEachElement()
    {
        var y = new float[2];
        Dequantize.Row(TensorType.F32, [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0], y);
        Assert.Equal([1f, -2f], y);
        Dequantize.Row(TensorType.BF16, [0x80, 0x3F, 0x49, 0x40], y);
        Assert.Equal([1f, 3.140625f], y);
        Dequantize.Row(TensorType.F64, [.. BitConverter.GetBytes(0.1), .. BitConverter.GetBytes(-1e300)], y);
        Assert.Equal([0.1f, float.NegativeInfinity], y);
        Dequantize.Row(TensorType.I8, [0xFF, 0x7F], y);
        Assert.Equal([-1f, 127f], y);
        Dequantize.Row(TensorType.I16, [0x00, 0x80, 0xFF, 0x7F], y);
        Assert.Equal([-32768f, 32767f], y);
        Dequantize.Row(TensorType.I32, [.. BitConverter.GetBytes(-5), .. BitConverter.GetBytes(16777217)], y);
        Assert.Equal([-5f, 16777216f], y);
        Dequantize.Row(TensorType.I64, [.. BitConverter.GetBytes(-7L), .. BitConverter.GetBytes(1L << 40)], y);
        Assert.Equal([-7f, 1099511627776f], y);
        Dequantize.Row(TensorType.U8, [0xFF, 0x01], y);
        Assert.Equal([255f, 1f], y);
        Dequantize.Row(TensorType.Bool, [0x00, 0x02], y);
        Assert.Equal([0f, 1f], y);
    }

    [Fact]
    public void Row_UnalignedSource_DecodesSameAsAligned()
    {
        var data = RandomBlocks(TensorType.Q6_K, 3, seed: 5);
        var shifted = new byte[data.Length + 1];
        data.CopyTo(shifted, 1);
        var aligned = new float[768];
        var unaligned = new float[768];
        Dequantize.Row(TensorType.Q6_K, data, aligned);
        Dequantize.Row(TensorType.Q6_K, shifted.AsSpan(1), unaligned);
        Assert.Equal(aligned, unaligned);
    }

    [Fact]
    public void Row_PartialBlock_ThrowsNamingDestination()
    {
        var e = Assert.Throws<ArgumentException>(() => Dequantize.Row(TensorType.Q4_K, new byte[144], new float[255]));
        Assert.Equal("dst", e.ParamName);
    }

    [Fact]
    public void Row_WrongSourceSize_ThrowsNamingSource()
    {
        var e = Assert.Throws<ArgumentException>(() => Dequantize.Row(TensorType.Q4_0, new byte[17], new float[32]));
        Assert.Equal("src", e.ParamName);
    }

    [Theory]
    [InlineData((TensorType)4)]       // removed Q4_2
    [InlineData((TensorType)16)]      // IQ2_XXS: not implemented
    [InlineData((TensorType)999)]
    public void Row_UnsupportedType_ThrowsNotSupported(TensorType type)
        => Assert.Throws<NotSupportedException>(() => Dequantize.Row(type, new byte[18], new float[32]));

    /// <summary>Random block bytes whose f16/f32 scale fields hold finite values, so every decoded value is comparable.</summary>
    internal static byte[] RandomBlocks(TensorType type, int blocks, int seed)
    {
        var rng = new Random(seed);
        int blockBytes = TensorTypeInfo.BlockBytes(type);
        var data = new byte[blocks * blockBytes];
        rng.NextBytes(data);
        int[] halfOffsets = type switch
        {
            TensorType.Q4_0 or TensorType.Q5_0 or TensorType.Q8_0 or TensorType.IQ4_NL => [0],
            TensorType.Q4_1 or TensorType.Q5_1 or TensorType.Q8_1 or TensorType.Q4_K or TensorType.Q5_K => [0, 2],
            TensorType.Q2_K => [80, 82],
            TensorType.Q3_K => [108],
            TensorType.Q6_K => [208],
            _ => [],
        };
        for (int b = 0; b < blocks; b++)
        {
            Span<byte> block = data.AsSpan(b * blockBytes, blockBytes);
            foreach (int offset in halfOffsets)
                BinaryPrimitives.WriteHalfLittleEndian(block[offset..], (Half)RandomScale(rng));
            if (type == TensorType.Q8_K)
                BinaryPrimitives.WriteSingleLittleEndian(block, RandomScale(rng));
        }
        return data;
    }

    private static float RandomScale(Random rng)
        => (rng.Next(2) == 0 ? -1 : 1) * MathF.Pow(10, (float)(rng.NextDouble() * 6 - 5));
}
