using System.IO.Compression;
using System.Runtime.InteropServices;
using StarChat.Engine.Tensors;
using StarChat.Formats.IO;
using StarChat.Formats.PyTorch;
using StarChat.Formats.Tests.Support;
using StarChat.Testing;

namespace StarChat.Formats.Tests.PyTorch;

public class PyTorchCheckpointTests
{
    private static PyTorchCheckpoint Open(byte[] image) => PyTorchCheckpoint.Open(ByteSource.FromBytes(image, "m.bin"), ownsSource: true);

    private static T Refused<T>(byte[] image) where T : Exception => Assert.Throws<T>(() => { using var c = Open(image); });

    private static byte[] Floats(params float[] v) => MemoryMarshal.AsBytes(v.AsSpan()).ToArray();

    /// <summary>A state dict {name: tensor} over storage "0" of <paramref name="numel"/> F32 elements.</summary>
    private static byte[] OneTensor(string name, int numel, int offset, int[] size, int[] stride, string storageType = "FloatStorage")
        => new PickleBuilder().Proto().EmptyDict().Str(name).Tensor(storageType, "0", numel, offset, size, stride).SetItem().Stop().ToArray();

    [Fact]
    public void Open_FormatsDocWorkedExample_ReadsF16Bias()
    {
        // formats.md §6.2: OrderedDict state dict with one F16 bias of 4 elements in storage "0", then a _metadata BUILD.
        var pickle = new PickleBuilder().Proto().Global("collections", "OrderedDict").Put(0).EmptyTuple().Reduce()
            .Str("transformer.ln_f.bias").Tensor("HalfStorage", "0", 4, 0, [4], [1]).SetItem()
            .EmptyDict().Str("_metadata").Global("collections", "OrderedDict").EmptyTuple().Reduce().SetItem().Build()
            .Stop().ToArray();
        var halves = new[] { (Half)1, (Half)(-2), (Half)0.5, (Half)3 };
        using var c = Open(PickleBuilder.Zip(pickle, new Dictionary<string, byte[]> { ["0"] = MemoryMarshal.AsBytes(halves.AsSpan()).ToArray() }));
        var t = Assert.Single(c.Tensors);
        Assert.Equal("transformer.ln_f.bias", t.Name);
        Assert.Equal(TensorType.F16, t.Type);
        Assert.Equal(new TensorShape(4), t.Shape);
        Assert.Equal(halves, MemoryMarshal.Cast<byte, Half>(t.Bytes).ToArray());
        Assert.Equal("archive", c.ArchiveRoot);
    }

    [Fact]
    public void Open_ViewWithStorageOffset_PointsAtTheOffset()
    {
        var pickle = OneTensor("w", 6, 2, [2, 2], [2, 1]);
        using var c = Open(PickleBuilder.Zip(pickle, new Dictionary<string, byte[]> { ["0"] = Floats(0, 1, 2, 3, 4, 5) }));
        Assert.Equal([2f, 3f, 4f, 5f], MemoryMarshal.Cast<byte, float>(c.Tensors[0].Bytes).ToArray());
    }

    [Fact]
    public void Open_TiedWeightsShareOneStorage_BothViewsSameAddress()
    {
        var pickle = new PickleBuilder().Proto().EmptyDict().Mark()
            .Str("transformer.wte.weight").Tensor("FloatStorage", "0", 4, 0, [2, 2], [2, 1])
            .Str("lm_head.weight").Tensor("FloatStorage", "0", 4, 0, [2, 2], [2, 1])
            .SetItems().Stop().ToArray();
        using var c = Open(PickleBuilder.Zip(pickle, new Dictionary<string, byte[]> { ["0"] = Floats(1, 2, 3, 4) }));
        Assert.Equal(c.Tensors[0].Address, c.Tensors[1].Address);
    }

    [Fact]
    public void Open_Zip64ExtraFieldsAndPaddedLocalHeaders_MapsAlignedData()
    {
        var pickle = OneTensor("w", 4, 0, [4], [1]);
        var image = Zip64Writer.Write([("archive/data.pkl", pickle), ("archive/data/0", Floats(1, 2, 3, 4)), ("archive/version", "3\n"u8.ToArray())]);
        using var c = Open(image);
        var t = Assert.Single(c.Tensors);
        Assert.Equal([1f, 2f, 3f, 4f], MemoryMarshal.Cast<byte, float>(t.Bytes).ToArray());
        Assert.Equal(0, (t.Address - c.Source.Address(0)) % 64);
    }

    [Fact]
    public void Open_Zip64LocalOffsetPastEnd_Refused()
    {
        var image = Zip64Writer.Write([("archive/data.pkl", OneTensor("w", 1, 0, [1], [1])), ("archive/data/0", Floats(1))]);
        // The last 8 bytes of the first central entry's ZIP64 extra hold its local header offset.
        int cd = image.AsSpan().IndexOf("PK\u0001\u0002"u8);
        int extraOffset = cd + 46 + "archive/data.pkl".Length + 4 + 16;
        Assert.Contains("past the end of the file", Refused<ModelFormatException>(image.WithU64(extraOffset, 1UL << 40)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DeflatedRecords_AreInflated()
    {
        var pickle = OneTensor("w", 4, 0, [4], [1]);
        using var c = Open(PickleBuilder.Zip(pickle, new Dictionary<string, byte[]> { ["0"] = Floats(9, 8, 7, 6) }, level: CompressionLevel.Optimal));
        Assert.Equal([9f, 8f, 7f, 6f], MemoryMarshal.Cast<byte, float>(c.Tensors[0].Bytes).ToArray());
    }

    [Theory]
    [InlineData("os", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("torch.storage", "_load_from_bytes")]
    [InlineData("subprocess", "Popen")]
    public void Open_PickleAsksForDangerousGlobal_UnsafePickleExceptionNamesIt(string module, string name)
    {
        var pickle = new PickleBuilder().Proto().Global(module, name).Str("echo pwned").Tuple1().Reduce().Stop().ToArray();
        var e = Refused<UnsafePickleException>(PickleBuilder.Zip(pickle, new Dictionary<string, byte[]>()));
        Assert.Equal($"{module}.{name}", e.GlobalName);
        Assert.Contains($"'{module}.{name}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_StackGlobalOsSystem_Refused()
    {
        var pickle = new PickleBuilder().Proto(4).StackGlobal("os", "system").Str("id").Tuple1().Reduce().Stop().ToArray();
        Assert.Equal("os.system", Refused<UnsafePickleException>(PickleBuilder.Zip(pickle, new Dictionary<string, byte[]>())).GlobalName);
    }

    [Theory]
    [InlineData((byte)'i')] // INST
    [InlineData((byte)'o')] // OBJ
    [InlineData(0x92)]      // NEWOBJ_EX
    [InlineData(0x82)]      // EXT1
    public void Open_OpcodeAStateDictNeverUses_Refused(byte op)
    {
        var pickle = new PickleBuilder().Proto().Op(op).Stop().ToArray();
        Assert.Contains("not supported", Refused<ModelFormatException>(PickleBuilder.Zip(pickle, new Dictionary<string, byte[]>())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ReduceOnStorageType_Refused()
    {
        var pickle = new PickleBuilder().Proto().Global("torch", "FloatStorage").EmptyTuple().Reduce().Stop().ToArray();
        Assert.Contains("REDUCE on torch.FloatStorage", Refused<ModelFormatException>(PickleBuilder.Zip(pickle, new Dictionary<string, byte[]>())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_StackUnderflow_Refused()
        => Assert.Contains("underflow", Refused<ModelFormatException>(PickleBuilder.Zip(new PickleBuilder().Proto().SetItem().Stop().ToArray(), new Dictionary<string, byte[]>())).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_MemoGetNeverPut_Refused()
        => Assert.Contains("never stored", Refused<ModelFormatException>(PickleBuilder.Zip(new PickleBuilder().Proto().Get(7).Stop().ToArray(), new Dictionary<string, byte[]>())).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_PickleWithoutStop_Refused()
        => Assert.Contains("truncated", Refused<ModelFormatException>(PickleBuilder.Zip(new PickleBuilder().Proto().EmptyDict().ToArray(), new Dictionary<string, byte[]>())).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_NonContiguousStride_RefusedWithMessage()
    {
        var pickle = OneTensor("w", 4, 0, [2, 2], [1, 2]); // a transposed view
        var e = Refused<ModelFormatException>(PickleBuilder.Zip(pickle, new Dictionary<string, byte[]> { ["0"] = Floats(1, 2, 3, 4) }));
        Assert.Equal("tensor 'w'", e.Field);
        Assert.Contains("non-contiguous", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ViewPastStorage_Refused()
    {
        var pickle = OneTensor("w", 4, 2, [4], [1]);
        Assert.Contains("fall outside storage", Refused<ModelFormatException>(PickleBuilder.Zip(pickle, new Dictionary<string, byte[]> { ["0"] = Floats(1, 2, 3, 4) })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_StorageRecordMissing_Refused()
        => Assert.Contains("is missing", Refused<ModelFormatException>(PickleBuilder.Zip(OneTensor("w", 4, 0, [4], [1]), new Dictionary<string, byte[]>())).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_StorageSizeDisagreesWithNumel_Refused()
        => Assert.Contains("does not match", Refused<ModelFormatException>(PickleBuilder.Zip(OneTensor("w", 4, 0, [4], [1]), new Dictionary<string, byte[]> { ["0"] = Floats(1, 2, 3) })).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_BigEndianByteorder_Refused()
    {
        var image = PickleBuilder.Zip(OneTensor("w", 1, 0, [1], [1]), new Dictionary<string, byte[]> { ["0"] = Floats(1) }, byteorder: "big");
        Assert.Contains("only little-endian", Refused<ModelFormatException>(image).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_LittleByteorder_Opens()
    {
        using var c = Open(PickleBuilder.Zip(OneTensor("w", 1, 0, [1], [1]), new Dictionary<string, byte[]> { ["0"] = Floats(1) }, byteorder: "little"));
        Assert.Single(c.Tensors);
    }

    [Fact]
    public void Open_LegacyTorchSerialization_Refused()
        => Assert.Contains("legacy (pre-1.6)", Refused<ModelFormatException>([0x80, 0x02, 0x8a, 0x0a, 0, 0, 0, 0]).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_NotAZip_Refused()
        => Assert.Equal("magic", Refused<ModelFormatException>("hello world"u8.ToArray()).Field);

    [Fact]
    public void Open_TruncatedZip_NoEndRecord()
    {
        var image = PickleBuilder.Zip(OneTensor("w", 1, 0, [1], [1]), new Dictionary<string, byte[]> { ["0"] = Floats(1) });
        Assert.Contains("end-of-central-directory", Refused<ModelFormatException>(image.Truncated(image.Length - 10)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NoDataPkl_Refused()
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            using (var s = zip.CreateEntry("archive/other", CompressionLevel.NoCompression).Open()) s.WriteByte(1);
        Assert.Contains("no archive/data.pkl", Refused<ModelFormatException>(ms.ToArray()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NonTensorEntries_SkippedAndListed()
    {
        var pickle = new PickleBuilder().Proto().EmptyDict().Mark()
            .Str("w").Tensor("CharStorage", "0", 2, 0, [2], [1])
            .Str("w.weight_format").Str("row")
            .SetItems().Stop().ToArray();
        using var c = Open(PickleBuilder.Zip(pickle, new Dictionary<string, byte[]> { ["0"] = [1, 2] }));
        Assert.Equal(TensorType.I8, Assert.Single(c.Tensors).Type);
        Assert.Equal(["w.weight_format"], c.SkippedEntries);
    }

    [Fact]
    public void Open_FixtureF16Bin_EqualsF32SafetensorsRoundedToHalf()
    {
        // The fixture README: tiny-starchat-f16-bin holds the same weights as tiny-starchat (F32) as F16.
        using var f16 = PyTorchCheckpoint.Open(SharedPaths.Fixtures("tiny-starchat-f16-bin", "pytorch_model.bin"));
        using var f32 = StarChat.Formats.Safetensors.SafetensorsFile.Open(SharedPaths.Fixtures("tiny-starchat", "model.safetensors"));
        Assert.Equal("pytorch_model", f16.ArchiveRoot);
        Assert.Equal(f32.Tensors.Count, f16.Tensors.Count);
        foreach (var t in f16.Tensors)
        {
            Assert.Equal(TensorType.F16, t.Type);
            var reference = f32.View(f32.Info(t.Name));
            Assert.Equal(reference.Shape, t.Shape);
            var expected = MemoryMarshal.Cast<byte, float>(reference.Bytes);
            var actual = MemoryMarshal.Cast<byte, Half>(t.Bytes);
            for (int i = 0; i < expected.Length; i++)
                Assert.Equal((Half)expected[i], actual[i]);
        }
    }
}
