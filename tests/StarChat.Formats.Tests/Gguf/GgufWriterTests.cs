using StarChat.Engine.Tensors;
using StarChat.Formats.Gguf;
using StarChat.Formats.Tests.Support;

namespace StarChat.Formats.Tests.Gguf;

public class GgufWriterTests
{
    [Fact]
    public void WriteTo_FormatsDocWorkedExample_MatchesHexDump()
    {
        // formats.md §7.7: one KV (general.architecture = starcoder), one F32 tensor output_norm.weight of four 1.0f.
        var w = new GgufWriter();
        w.Add("general.architecture", GgufValue.Of("starcoder"));
        w.AddTensor("output_norm.weight", TensorType.F32, new TensorShape(4), Bytes.Hex("0000803f 0000803f 0000803f 0000803f"));
        var expected = Bytes.Hex("""
            47 47 55 46 03 00 00 00 01 00 00 00 00 00 00 00
            01 00 00 00 00 00 00 00 14 00 00 00 00 00 00 00
            67 65 6e 65 72 61 6c 2e 61 72 63 68 69 74 65 63
            74 75 72 65 08 00 00 00 09 00 00 00 00 00 00 00
            73 74 61 72 63 6f 64 65 72 12 00 00 00 00 00 00
            00 6f 75 74 70 75 74 5f 6e 6f 72 6d 2e 77 65 69
            67 68 74 01 00 00 00 04 00 00 00 00 00 00 00 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 80 3f 00 00 80 3f 00 00 80 3f 00 00 80 3f
            """);
        // gguf-py and ggml pad after every tensor, the last included (the fixtures end that way); the worked example
        // stops at the last data byte. The bytes agree up to there and the rest is zero padding to 32.
        var written = GgufTestFiles.Write(w);
        Assert.Equal(expected, written[..expected.Length]);
        Assert.Equal(160, written.Length);
        Assert.All(written[expected.Length..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void WriteTo_EveryValueTypeAndNestedArrays_ReadsBackEqual()
    {
        var w = new GgufWriter();
        w.Add("u8", GgufValue.Of((byte)200)).Add("i8", GgufValue.Of((sbyte)-5)).Add("u16", GgufValue.Of((ushort)60000))
            .Add("i16", GgufValue.Of((short)-30000)).Add("u32", GgufValue.Of(4_000_000_000u)).Add("i32", GgufValue.Of(-2_000_000_000))
            .Add("f32", GgufValue.Of(1.5f)).Add("bool", GgufValue.Of(true)).Add("str", GgufValue.Of("héllo"))
            .Add("u64", GgufValue.Of(ulong.MaxValue)).Add("i64", GgufValue.Of(long.MinValue)).Add("f64", GgufValue.Of(Math.PI))
            .Add("arr.i32", GgufValue.Array(new[] { 1, -2, 3 }))
            .Add("arr.str", GgufValue.Array(new[] { "a", "", "ĠĠ" }))
            .Add("arr.bool", GgufValue.Array(new[] { true, false }))
            .Add("arr.f64", GgufValue.Array(new[] { 0.25, -1e300 }))
            .Add("arr.nested", GgufValue.Array([GgufValue.Array(new[] { 1u, 2u }), GgufValue.Array([GgufValue.Array(new[] { "deep" })])]));
        using var f = GgufTestFiles.Open(GgufTestFiles.Write(w));
        var m = f.Metadata;
        Assert.Equal(17, m.Count);
        Assert.Equal((byte)200, m["u8"].Value);
        Assert.Equal((sbyte)-5, m["i8"].Value);
        Assert.Equal((ushort)60000, m["u16"].Value);
        Assert.Equal((short)-30000, m["i16"].Value);
        Assert.Equal(4_000_000_000u, m["u32"].Value);
        Assert.Equal(-2_000_000_000, m["i32"].Value);
        Assert.Equal(1.5f, m["f32"].Value);
        Assert.Equal(true, m["bool"].Value);
        Assert.Equal("héllo", m["str"].Value);
        Assert.Equal(ulong.MaxValue, m["u64"].Value);
        Assert.Equal(long.MinValue, m["i64"].Value);
        Assert.Equal(Math.PI, m["f64"].Value);
        Assert.Equal([1, -2, 3], (int[])m["arr.i32"].Value);
        Assert.Equal(["a", "", "ĠĠ"], m.GetStringArrayOrNull("arr.str")!);
        Assert.Equal([true, false], (bool[])m["arr.bool"].Value);
        Assert.Equal([0.25, -1e300], (double[])m["arr.f64"].Value);
        var nested = (GgufValue[])m["arr.nested"].Value;
        Assert.Equal(GgufValueType.Array, m["arr.nested"].ElementType);
        Assert.Equal([1u, 2u], (uint[])nested[0].Value);
        Assert.Equal(["deep"], (IReadOnlyList<string>)((GgufValue[])nested[1].Value)[0].Value);
        Assert.Equal(["u8", "i8", "u16"], m.Keys.Take(3));
    }

    [Fact]
    public void WriteTo_Alignment64_TensorsAlignedAndDataIntact()
    {
        var w = new GgufWriter(alignment: 64);
        var a = Enumerable.Range(0, 10).Select(i => (byte)i).ToArray();
        var b = Enumerable.Range(0, 34).Select(i => (byte)(100 + i)).ToArray();
        w.AddTensor("a", TensorType.I8, new TensorShape(10), a);
        w.AddTensor("b", TensorType.Q8_0, new TensorShape(1, 32), b);
        using var f = GgufTestFiles.Open(GgufTestFiles.Write(w));
        Assert.Equal(64u, f.Alignment);
        Assert.Equal(0, f.DataOffset % 64);
        Assert.All(f.Tensors, t => Assert.Equal(0, t.Offset % 64));
        Assert.Equal(a, f.View(f.Info("a")).Bytes.ToArray());
        Assert.Equal(b, f.View(f.Info("b")).Bytes.ToArray());
    }

    [Fact]
    public void WriteTo_StreamedTensor_WrongByteCount_Throws()
    {
        var w = new GgufWriter();
        w.AddTensor("t", TensorType.F32, new TensorShape(4), s => s.Write(new byte[15]));
        Assert.Throws<InvalidOperationException>(() => GgufTestFiles.Write(w));
    }

    [Fact]
    public void AddTensor_NameLongerThan63Bytes_Throws()
        => Assert.Throws<ArgumentException>(() => new GgufWriter().AddTensor(new string('x', 64), TensorType.F32, new TensorShape(1), new byte[4]));

    [Fact]
    public void AddTensor_RowNotWholeBlocks_Throws()
        => Assert.Throws<ArgumentException>(() => new GgufWriter().AddTensor("q", TensorType.Q4_0, new TensorShape(2, 16), new byte[18]));
}
