using System.Runtime.CompilerServices;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Quantization;

public class BlockLayoutTests
{
    [Fact]
    public void SizeOf_EveryBlockStruct_EqualsGgmlBlockBytes()
    {
        Assert.Equal(TensorTypeInfo.BlockBytes(TensorType.Q4_0), Unsafe.SizeOf<BlockQ4_0>());
        Assert.Equal(TensorTypeInfo.BlockBytes(TensorType.Q4_1), Unsafe.SizeOf<BlockQ4_1>());
        Assert.Equal(TensorTypeInfo.BlockBytes(TensorType.Q5_0), Unsafe.SizeOf<BlockQ5_0>());
        Assert.Equal(TensorTypeInfo.BlockBytes(TensorType.Q5_1), Unsafe.SizeOf<BlockQ5_1>());
        Assert.Equal(TensorTypeInfo.BlockBytes(TensorType.Q8_0), Unsafe.SizeOf<BlockQ8_0>());
        Assert.Equal(TensorTypeInfo.BlockBytes(TensorType.Q8_1), Unsafe.SizeOf<BlockQ8_1>());
        Assert.Equal(TensorTypeInfo.BlockBytes(TensorType.Q2_K), Unsafe.SizeOf<BlockQ2_K>());
        Assert.Equal(TensorTypeInfo.BlockBytes(TensorType.Q3_K), Unsafe.SizeOf<BlockQ3_K>());
        Assert.Equal(TensorTypeInfo.BlockBytes(TensorType.Q4_K), Unsafe.SizeOf<BlockQ4_K>());
        Assert.Equal(TensorTypeInfo.BlockBytes(TensorType.Q5_K), Unsafe.SizeOf<BlockQ5_K>());
        Assert.Equal(TensorTypeInfo.BlockBytes(TensorType.Q6_K), Unsafe.SizeOf<BlockQ6_K>());
        Assert.Equal(TensorTypeInfo.BlockBytes(TensorType.Q8_K), Unsafe.SizeOf<BlockQ8_K>());
        Assert.Equal(TensorTypeInfo.BlockBytes(TensorType.IQ4_NL), Unsafe.SizeOf<BlockIQ4_NL>());
    }

    [Fact]
    public void SizeOf_BlockStructs_MatchFormatsDocTable()
    {
        // formats.md §7.3 / the brief: 18, 20, 22, 24, 34, 36, 84, 110, 144, 176, 210, 292 bytes
        int[] expected = [18, 20, 22, 24, 34, 36, 84, 110, 144, 176, 210, 292, 18];
        int[] actual =
        [
            Unsafe.SizeOf<BlockQ4_0>(), Unsafe.SizeOf<BlockQ4_1>(), Unsafe.SizeOf<BlockQ5_0>(), Unsafe.SizeOf<BlockQ5_1>(),
            Unsafe.SizeOf<BlockQ8_0>(), Unsafe.SizeOf<BlockQ8_1>(), Unsafe.SizeOf<BlockQ2_K>(), Unsafe.SizeOf<BlockQ3_K>(),
            Unsafe.SizeOf<BlockQ4_K>(), Unsafe.SizeOf<BlockQ5_K>(), Unsafe.SizeOf<BlockQ6_K>(), Unsafe.SizeOf<BlockQ8_K>(),
            Unsafe.SizeOf<BlockIQ4_NL>(),
        ];
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void FieldOffsets_LegacyBlocks_MatchFormatsDoc()
    {
        var q41 = new BlockQ4_1();
        Assert.Equal(2, Offset(ref q41, ref q41.M));
        Assert.Equal(4, Offset(ref q41, ref q41.Qs[0]));
        var q50 = new BlockQ5_0();
        Assert.Equal(2, Offset(ref q50, ref q50.Qh[0]));
        Assert.Equal(6, Offset(ref q50, ref q50.Qs[0]));
        var q51 = new BlockQ5_1();
        Assert.Equal(4, Offset(ref q51, ref q51.Qh[0]));
        Assert.Equal(8, Offset(ref q51, ref q51.Qs[0]));
        var q81 = new BlockQ8_1();
        Assert.Equal(2, Offset(ref q81, ref q81.S));
        Assert.Equal(4, Offset(ref q81, ref q81.Qs[0]));
    }

    [Fact]
    public void FieldOffsets_KBlocks_MatchFormatsDoc()
    {
        var q2 = new BlockQ2_K();
        Assert.Equal(16, Offset(ref q2, ref q2.Qs[0]));
        Assert.Equal(80, Offset(ref q2, ref q2.D));
        Assert.Equal(82, Offset(ref q2, ref q2.DMin));
        var q3 = new BlockQ3_K();
        Assert.Equal(32, Offset(ref q3, ref q3.Qs[0]));
        Assert.Equal(96, Offset(ref q3, ref q3.Scales[0]));
        Assert.Equal(108, Offset(ref q3, ref q3.D));
        var q4 = new BlockQ4_K();
        Assert.Equal(2, Offset(ref q4, ref q4.DMin));
        Assert.Equal(4, Offset(ref q4, ref q4.Scales[0]));
        Assert.Equal(16, Offset(ref q4, ref q4.Qs[0]));
        var q5 = new BlockQ5_K();
        Assert.Equal(16, Offset(ref q5, ref q5.Qh[0]));
        Assert.Equal(48, Offset(ref q5, ref q5.Qs[0]));
        var q6 = new BlockQ6_K();
        Assert.Equal(128, Offset(ref q6, ref q6.Qh[0]));
        Assert.Equal(192, Offset(ref q6, ref q6.Scales[0]));
        Assert.Equal(208, Offset(ref q6, ref q6.D));
        var q8 = new BlockQ8_K();
        Assert.Equal(4, Offset(ref q8, ref q8.Qs[0]));
        Assert.Equal(260, Offset(ref q8, ref q8.BSums[0]));
    }

    [Fact]
    public void IsSupported_EveryKnownType_CanBeDequantized()
    {
        foreach (TensorType type in Enum.GetValues<TensorType>())
            Assert.Equal(TensorTypeInfo.IsKnown(type), Dequantize.IsSupported(type));
    }

    [Fact]
    public void ActivationType_EachDotType_HasSameBlockSizeAsWeights()
    {
        foreach (TensorType type in Enum.GetValues<TensorType>().Where(QuantizedDot.IsSupported))
        {
            TensorType activation = QuantizedDot.ActivationType(type);
            Assert.Equal(TensorTypeInfo.BlockSize(type), TensorTypeInfo.BlockSize(activation));
            Assert.True(Quantize.IsSupported(activation));
        }
    }

    private static long Offset<TBlock, TField>(ref TBlock block, ref TField field)
        => Unsafe.ByteOffset(ref Unsafe.As<TBlock, byte>(ref block), ref Unsafe.As<TField, byte>(ref field));
}
