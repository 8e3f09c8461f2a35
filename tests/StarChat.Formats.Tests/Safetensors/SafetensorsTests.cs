using System.Buffers.Binary;
using System.Text;
using StarChat.Engine.Tensors;
using StarChat.Formats.IO;
using StarChat.Formats.Safetensors;
using StarChat.Formats.Tests.Support;

namespace StarChat.Formats.Tests.Safetensors;

public class SafetensorsTests
{
    private static byte[] File(string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var image = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(image, (ulong)json.Length);
        json.CopyTo(image, 8);
        return image;
    }

    private static SafetensorsFile Open(byte[] image) => SafetensorsFile.Open(ByteSource.FromBytes(image, "t.safetensors"), ownsSource: true);

    private static ModelFormatException Refused(byte[] image) => Assert.Throws<ModelFormatException>(() => { using var f = Open(image); });

    [Fact]
    public void Open_FormatsDocTestVector_ReadsZeroToFive()
    {
        // formats.md §4 worked example (the safetensors test vector), 96 bytes.
        var image = Bytes.Hex("4000000000000000")
            .Concat(Encoding.ASCII.GetBytes("""{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"""))
            .Concat(Bytes.Hex("00000000 0000803f 00000040 00004040 00008040 0000a040")).ToArray();
        Assert.Equal(96, image.Length);
        using var f = Open(image);
        var view = f.View(f.Info("attn.0"));
        Assert.Equal(new TensorShape(1, 2, 3), view.Shape);
        Assert.Equal(TensorType.F32, view.Type);
        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(view.Bytes).ToArray());
    }

    [Fact]
    public void Open_MetadataAndSpacePadding_Read()
    {
        using var f = Open(File("""{"__metadata__":{"format":"pt"},"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}    """, 4));
        Assert.Equal("pt", f.Metadata["format"]);
        Assert.Equal(TensorType.BF16, f.Tensors[0].Type);
    }

    [Theory]
    [InlineData("U16", null)]
    [InlineData("F8_E4M3", null)]
    [InlineData("I32", TensorType.I32)]
    [InlineData("BOOL", TensorType.Bool)]
    public void Open_DTypes_MapToTensorTypes(string dtype, TensorType? expected)
    {
        int size = dtype switch { "U16" => 2, "I32" => 4, _ => 1 };
        using var f = Open(File("{\"a\":{\"dtype\":\"" + dtype + "\",\"shape\":[3],\"data_offsets\":[0," + 3 * size + "]}}", 3 * size));
        Assert.Equal(expected, f.Tensors[0].Type);
        if (expected is null)
            Assert.Contains("not supported", Assert.Throws<ModelFormatException>(() => f.View(f.Tensors[0])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ScalarShape_IsOneElement()
    {
        using var f = Open(File("""{"w":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}""", 1));
        Assert.Equal(1, f.View(f.Tensors[0]).Shape.ElementCount);
    }

    [Fact]
    public void Open_HeaderLengthOverLimit_Refused()
        => Assert.Contains("exceeds the limit", Refused(new byte[16].WithU64(0, 100_000_001)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_HeaderLengthPastEnd_Refused()
        => Assert.Contains("past the end", Refused(File("{}", 0).WithU64(0, 1000)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_HeaderNotAnObject_Refused()
        => Assert.Contains("must start with '{'", Refused(File("[1]", 0)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_InvalidJson_Refused()
        => Assert.Contains("invalid JSON", Refused(File("""{"a":{"dtype":"F32",}""", 0)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_DuplicateTensorName_Refused()
        => Assert.Contains("duplicate name", Refused(File("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", 2)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_EmptyTensorName_Refused()
        => Assert.Contains("empty tensor name", Refused(File("""{"":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", 1)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_UnknownDType_Refused()
        => Assert.Contains("unknown dtype 'Q4'", Refused(File("""{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}""", 1)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_ShapeDisagreesWithOffsets_NamesTensor()
    {
        var e = Refused(File("""{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}""", 20));
        Assert.Equal("tensor 'w'", e.Field);
        Assert.Contains("needs 24 bytes but data_offsets cover 20", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_HoleBetweenTensors_Refused()
        => Assert.Contains("hole", Refused(File("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}""", 3)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_OverlappingTensors_Refused()
        => Assert.Contains("overlaps", Refused(File("""{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", 2)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_TrailingBytesAfterLastTensor_Refused()
        => Assert.Contains("tensors cover 1 bytes but the file holds 5", Refused(File("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", 5)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_DataPastEndOfFile_Refused()
        => Assert.Contains("holds 2", Refused(File("""{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}""", 2)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_EndBeforeBegin_Refused()
        => Assert.Contains("before begin", Refused(File("""{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}""", 0)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_NegativeDimension_Refused()
        => Assert.Contains("non-negative", Refused(File("""{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}""", 0)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_ElementCountOverflow_Refused()
        => Assert.Contains("overflows", Refused(File("""{"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,0]}}""", 0)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_SubByteTensorNotWholeBytes_Refused()
        => Assert.Contains("whole bytes", Refused(File("""{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,1]}}""", 1)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_MissingDataOffsets_Refused()
        => Assert.Contains("needs dtype, shape and data_offsets", Refused(File("""{"a":{"dtype":"U8","shape":[1]}}""", 1)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_MetadataValueNotString_Refused()
        => Assert.Contains("values must be strings", Refused(File("""{"__metadata__":{"format":1}}""", 0)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_DeeplyNestedUnknownField_Refused()
    {
        string deep = new string('[', 100) + new string(']', 100);
        Assert.Contains("invalid JSON", Refused(File("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":" + deep + "}}", 1)).Message, StringComparison.Ordinal);
    }
}
