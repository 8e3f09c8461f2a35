using StarChat.Engine.Tensors;
using StarChat.Formats.Gguf;
using StarChat.Formats.Tests.Support;

namespace StarChat.Formats.Tests.Gguf;

/// <summary>One hand-made file per rule of formats.md §7.2; each must end in a ModelFormatException naming the field.</summary>
public class GgufHostileTests
{
    private static readonly byte[] s_valid = GgufTestFiles.Write(GgufTestFiles.Small());

    [Fact]
    public void Open_ValidSmallFile_Opens()
    {
        using var f = GgufTestFiles.Open(s_valid);
        Assert.Equal(2, f.Tensors.Count);
    }

    [Fact]
    public void Open_WrongMagic_NamesMagicAtByte0()
    {
        var e = GgufTestFiles.Refused(s_valid.WithU32(0, 0x4C4D4747));
        Assert.Equal("magic", e.Field);
        Assert.Equal(0, e.Offset);
        Assert.StartsWith("test.gguf: magic:", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1u, "v1")]
    [InlineData(4u, "version 4")]
    [InlineData(0x03000000u, "byte-swapped")]
    public void Open_UnsupportedVersion_SaysWhy(uint version, string expected)
    {
        var e = GgufTestFiles.Refused(s_valid.WithU32(4, version));
        Assert.Equal("version", e.Field);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_Version2_Opens()
    {
        using var f = GgufTestFiles.Open(s_valid.WithU32(4, 2));
        Assert.Equal(2u, f.Version);
    }

    [Fact]
    public void Open_ThreeBytes_RefusedAsNotGguf()
        => Assert.Equal("magic", GgufTestFiles.Refused(s_valid.Truncated(3)).Field);

    [Theory]
    [InlineData(6)]
    [InlineData(12)]
    [InlineData(20)]
    public void Open_TruncatedHeader_Refused(int length)
        => Assert.Contains("truncated", GgufTestFiles.Refused(s_valid.Truncated(length)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_HugeKvCount_RefusedBeforeAllocating()
        => Assert.Equal("kv_count", GgufTestFiles.Refused(s_valid.WithU64(16, ulong.MaxValue / 2)).Field);

    [Fact]
    public void Open_HugeTensorCount_RefusedBeforeAllocating()
        => Assert.Equal("tensor_count", GgufTestFiles.Refused(s_valid.WithU64(8, 1UL << 40)).Field);

    [Fact]
    public void Open_KeyLengthPastEnd_NamesTheKey()
    {
        var e = GgufTestFiles.Refused(s_valid.WithU64(24, 1UL << 33));
        Assert.Contains("metadata pair 0 key", e.Field, StringComparison.Ordinal);
        Assert.Equal(24, e.Offset);
    }

    [Fact]
    public void Open_DuplicateKey_Refused()
    {
        var w = new GgufWriter { Unchecked = true };
        w.Add("k", GgufValue.Of(1)).Add("k", GgufValue.Of(2));
        Assert.Contains("duplicate key", GgufTestFiles.Refused(GgufTestFiles.Write(w)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EmptyKey_Refused()
    {
        var w = new GgufWriter { Unchecked = true };
        w.Add("", GgufValue.Of(1));
        Assert.Contains("empty key", GgufTestFiles.Refused(GgufTestFiles.Write(w)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_UnknownValueType_Refused()
    {
        var w = new GgufWriter();
        w.Add("k", GgufValue.Of(1));
        var image = GgufTestFiles.Write(w);
        var e = GgufTestFiles.Refused(image.WithU32(w.MetadataOffsets[0] + 8 + 1, 13));
        Assert.Contains("unknown value type 13", e.Message, StringComparison.Ordinal);
        Assert.Equal("metadata 'k'", e.Field);
    }

    [Fact]
    public void Open_BoolNotZeroOrOne_Refused()
    {
        var w = new GgufWriter();
        w.Add("flag", GgufValue.Of(true));
        var image = GgufTestFiles.Write(w);
        long valueAt = w.MetadataOffsets[0] + 8 + 4 + 4;
        Assert.Contains("not 0 or 1", GgufTestFiles.Refused(image.WithByte(valueAt, 2)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_HugeArrayCount_Refused()
    {
        var w = new GgufWriter();
        w.Add("arr", GgufValue.Array(new[] { 1, 2, 3 }));
        var image = GgufTestFiles.Write(w);
        long countAt = w.MetadataOffsets[0] + 8 + 3 + 4 + 4;
        Assert.Contains("cannot fit", GgufTestFiles.Refused(image.WithU64(countAt, 1UL << 31)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ArraysNestedNineDeep_Refused()
    {
        var value = GgufValue.Array(new[] { 1 });
        for (int i = 0; i < 9; i++)
            value = GgufValue.Array([value]);
        var w = new GgufWriter();
        w.Add("deep", value);
        Assert.Contains("nested deeper", GgufTestFiles.Refused(GgufTestFiles.Write(w)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AlignmentNotPowerOfTwo_Refused()
    {
        var w = GgufTestFiles.Small();
        w.Add("general.alignment", GgufValue.Of(48u));
        var e = GgufTestFiles.Refused(GgufTestFiles.Write(w));
        Assert.Equal("metadata 'general.alignment'", e.Field);
        Assert.Contains("power of two", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AlignmentNotU32_Refused()
    {
        var w = GgufTestFiles.Small();
        w.Add("general.alignment", GgufValue.Of(32));
        Assert.Contains("must be a u32", GgufTestFiles.Refused(GgufTestFiles.Write(w)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TensorNameOf64Bytes_Refused()
    {
        var w = new GgufWriter { Unchecked = true };
        w.AddTensor(new string('n', 64), TensorType.F32, new TensorShape(1), new byte[4]);
        Assert.Contains("longer than ggml's limit", GgufTestFiles.Refused(GgufTestFiles.Write(w)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FiveDimensions_Refused()
    {
        var w = new GgufWriter { Unchecked = true };
        w.AddTensor("t", TensorType.F32, new TensorShape(1, 1, 1, 1, 1), new byte[4]);
        Assert.Contains("5 dimensions", GgufTestFiles.Refused(GgufTestFiles.Write(w)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(99u, "unknown tensor type 99")]
    [InlineData(4u, "Q4_2 (removed)")]
    [InlineData(16u, "IQ2_XXS")]
    public void Open_UnsupportedTensorType_NamesIt(uint type, string expected)
    {
        var w = new GgufWriter { Unchecked = true };
        w.AddTensor("t", (TensorType)type, new TensorShape(32), new byte[32]);
        var e = GgufTestFiles.Refused(GgufTestFiles.Write(w));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal("tensor info 0 't'", e.Field);
    }

    [Fact]
    public void Open_RowNotMultipleOfBlock_Refused()
    {
        var w = new GgufWriter { Unchecked = true };
        w.AddTensor("q", TensorType.Q4_0, new TensorShape(2, 16), new byte[18]);
        Assert.Contains("not a multiple of the q4_0 block size 32", GgufTestFiles.Refused(GgufTestFiles.Write(w)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ElementCountOverflows_Refused()
    {
        var w = new GgufWriter { Unchecked = true };
        w.AddTensor("t", TensorType.F32, new TensorShape(1L << 40, 1L << 40), new byte[4]);
        Assert.Contains("overflows", GgufTestFiles.Refused(GgufTestFiles.Write(w)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DuplicateTensorNames_Refused()
    {
        var w = new GgufWriter { Unchecked = true };
        w.AddTensor("t", TensorType.F32, new TensorShape(8), new byte[32]);
        w.AddTensor("t", TensorType.F32, new TensorShape(8), new byte[32]);
        Assert.Contains("duplicate tensor name", GgufTestFiles.Refused(GgufTestFiles.Write(w)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_OffsetNotAligned_Refused()
    {
        var w = GgufTestFiles.Small(@unchecked: true);
        w.OffsetOverrides["blk.0.b"] = 36;
        Assert.Contains("not a multiple of the alignment 32", GgufTestFiles.Refused(GgufTestFiles.Write(w)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_OverlappingTensors_Refused()
    {
        var w = GgufTestFiles.Small(@unchecked: true);
        w.OffsetOverrides["blk.0.b"] = 0;
        var e = GgufTestFiles.Refused(GgufTestFiles.Write(w));
        Assert.Contains("overlaps", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TensorDataPastEnd_NamesTensorAndFileSize()
    {
        var w = GgufTestFiles.Small();
        var image = GgufTestFiles.Write(w);
        var e = GgufTestFiles.Refused(image.Truncated(image.Length - 1));
        Assert.Equal("tensor 'blk.0.b'", e.Field);
        Assert.Contains($"past the end of the file (size {image.Length - 1})", e.Message, StringComparison.Ordinal);
        Assert.Equal(w.TensorInfoOffsets[1], e.Offset);
    }

    [Fact]
    public void Open_OffsetHuge_Refused()
    {
        var w = GgufTestFiles.Small(@unchecked: true);
        w.OffsetOverrides["blk.0.a"] = 1UL << 62;
        Assert.Contains("past the end of the file", GgufTestFiles.Refused(GgufTestFiles.Write(w)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EmptyTensorAtHugeOffset_Refused()
    {
        // A zero-sized tensor has no bytes to run past the end, but its address still has to lie in the file
        // (found by the fuzz test: a view of it threw ArgumentOutOfRangeException instead).
        var w = GgufTestFiles.Small(@unchecked: true);
        w.AddTensor("empty", TensorType.F32, new TensorShape(0), Array.Empty<byte>());
        w.OffsetOverrides["empty"] = 1UL << 39;
        var e = GgufTestFiles.Refused(GgufTestFiles.Write(w));
        Assert.Equal("tensor 'empty'", e.Field);
        Assert.Contains("past the end of the file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ShapeDisagreesWithByteCount_OnlyTheShapeCounts()
    {
        // GGUF has no byte count field: a shape larger than the data written runs past the end of the file.
        var w = new GgufWriter { Unchecked = true };
        w.AddTensor("t", TensorType.F32, new TensorShape(1000), new byte[32]);
        Assert.Contains("past the end", GgufTestFiles.Refused(GgufTestFiles.Write(w)).Message, StringComparison.Ordinal);
    }
}
