using System.Runtime.InteropServices;
using StarChat.Engine.Tensors;
using StarChat.Formats.IO;
using StarChat.Formats.Tests.Support;

namespace StarChat.Formats.Tests.Ggml;

public class GgmlLegacyTests
{
    private static LoadedModel Open(byte[] image) => ModelFile.Open(ByteSource.FromBytes(image, "m.ggml.bin"));

    private static ModelFormatException Refused(byte[] image) => Assert.Throws<ModelFormatException>(() => { using var m = Open(image); });

    [Fact]
    public void Open_TinyModel_FoldsTiledKvToOneHead()
    {
        var b = LegacyBuilder.TinyModel();
        using var model = Open(b.Build());
        var c = model.RequireConfig();
        Assert.Equal((4, 8, 8, 1, 2, 1, 32), (c.VocabSize, c.ContextLength, c.EmbeddingSize, c.LayerCount, c.HeadCount, c.KvHeadCount, c.FeedForwardSize));
        var qkv = model.Weights.Get("transformer.h.0.attn.c_attn.weight");
        Assert.Equal(new TensorShape(8 + 2 * 4, 8), qkv.Shape);
        var tiled = MemoryMarshal.Cast<byte, float>(b.Tensors[4].Data);
        var folded = MemoryMarshal.Cast<byte, float>(qkv.Bytes);
        // Q rows unchanged, then the first K copy (tiled rows 8..11), then the first V copy (tiled rows 16..19).
        Assert.Equal(tiled[..64].ToArray(), folded[..64].ToArray());
        Assert.Equal(tiled[64..96].ToArray(), folded[64..96].ToArray());
        Assert.Equal(tiled[128..160].ToArray(), folded[96..128].ToArray());
        var bias = model.Weights.Get("transformer.h.0.attn.c_attn.bias");
        Assert.Equal(new TensorShape(16), bias.Shape);
        var tiledBias = MemoryMarshal.Cast<byte, float>(b.Tensors[5].Data);
        Assert.Equal([.. tiledBias[..12], .. tiledBias[16..20]], MemoryMarshal.Cast<byte, float>(bias.Bytes).ToArray());
        // The file view keeps the tiled layout.
        Assert.Equal(new TensorShape(24, 8), model.FileTensors.Single(t => t.Name == "model/h0/attn/c_attn/w").Shape);
    }

    [Fact]
    public void Open_LmHeadEqualsWte_TreatedAsTied()
    {
        using var model = Open(LegacyBuilder.TinyModel().Build());
        Assert.True(model.RequireConfig().TieWordEmbeddings);
        Assert.False(model.Weights.Contains("lm_head.weight"));
    }

    [Fact]
    public void Open_LmHeadDiffers_KeptUntied()
    {
        var b = LegacyBuilder.TinyModel();
        var head = b.Tensors[^1];
        b.Tensors[^1] = head with { Data = head.Data.Select(x => (byte)(x ^ 1)).ToArray() };
        using var model = Open(b.Build());
        Assert.False(model.RequireConfig().TieWordEmbeddings);
        Assert.True(model.Weights.Contains("lm_head.weight"));
    }

    [Fact]
    public void Open_NoLmHead_Tied()
    {
        using var model = Open(LegacyBuilder.TinyModel(withLmHead: false).Build());
        Assert.True(model.RequireConfig().TieWordEmbeddings);
    }

    [Fact]
    public void Get_KvCopiesDiffer_RefusedAsMultiHead()
    {
        var b = LegacyBuilder.TinyModel();
        var qkv = b.Tensors[4];
        var data = (byte[])qkv.Data.Clone();
        data[(8 + 4) * 8 * 4] ^= 0x40; // first element of the second K copy
        b.Tensors[4] = qkv with { Data = data };
        using var model = Open(b.Build());
        var e = Assert.Throws<ModelFormatException>(() => model.Weights.Get("transformer.h.0.attn.c_attn.weight"));
        Assert.Contains("K head copy 1 differs", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_GgjtMagic_SaysLlamaFile()
        => Assert.Contains("GGJT", Refused(LegacyBuilder.TinyModel().Build().WithU32(0, 0x67676a74)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_VocabCountsDiffer_Refused()
    {
        var b = LegacyBuilder.TinyModel();
        b.VocabAgain = 5;
        Assert.Equal("n_vocab (vocabulary)", Refused(b.Build()).Field);
    }

    [Fact]
    public void Open_HeadsDoNotDivideEmbd_Refused()
    {
        var b = LegacyBuilder.TinyModel();
        b.Heads = 3;
        Assert.Equal("n_head", Refused(b.Build()).Field);
    }

    [Theory]
    [InlineData(1002, "quantization version 1")]
    [InlineData(2, "quantization version 0")]
    [InlineData(3002, "newer than any ggml release")]
    [InlineData(2004, "Q4_1_SOME_F16")]
    [InlineData(2005, "Q4_2")]
    [InlineData(2099, "unknown file type 99")]
    [InlineData(-1, "negative")]
    public void Open_FtypeRefused_SaysWhy(int ftype, string expected)
    {
        var b = LegacyBuilder.TinyModel();
        b.FType = ftype;
        var e = Refused(b.Build());
        Assert.Equal("ftype", e.Field);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(24, e.Offset);
    }

    [Theory]
    [InlineData(1)]    // converter f16 output, quantization version 0
    [InlineData(1001)]
    [InlineData(2001)]
    public void Open_FloatFileAnyQuantizationVersion_Opens(int ftype)
    {
        var b = LegacyBuilder.TinyModel();
        b.FType = ftype;
        using var model = Open(b.Build());
        Assert.NotNull(model.Config);
    }

    [Fact]
    public void Open_QuantizedTensorInVersion0File_Refused()
    {
        var b = LegacyBuilder.TinyModel();
        b.FType = 1;
        b.Tensors[6] = ("model/h0/attn/c_proj/w", (uint)TensorType.Q4_0, [32, 8], new byte[8 * 18]);
        Assert.Contains("quantization version 0", Refused(b.Build()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TokenLengthPastEnd_Refused()
    {
        var image = LegacyBuilder.TinyModel().Build();
        Assert.Contains("vocabulary entry 0", Refused(image.WithU32(32, 1u << 19)).Field, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TokenLengthHuge_Refused()
        => Assert.Contains("exceeds the limit", Refused(LegacyBuilder.TinyModel().Build().WithU32(32, uint.MaxValue)).Message, StringComparison.Ordinal);

    [Fact]
    public void Open_HugeVocabCount_RefusedBeforeAllocating()
    {
        var b = LegacyBuilder.TinyModel();
        b.VocabSize = int.MaxValue;
        Assert.Contains("cannot fit", Refused(b.Build()).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, "n_dims 5")]
    [InlineData(0, "n_dims 0")]
    public void Open_BadDims_Refused(int nDims, string expected)
    {
        var b = LegacyBuilder.TinyModel();
        var image = b.Build();
        long firstRecord = 32 + b.Vocabulary.Sum(t => 4 + t.Length);
        Assert.Contains(expected, Refused(image.WithU32(firstRecord, (uint)nDims)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(99u, "unknown tensor type 99")]
    [InlineData(30u, "BF16")]
    [InlineData(9u, "Q8_1")]
    public void Open_TypeNotInLegacyFiles_Refused(uint type, string expected)
    {
        var b = LegacyBuilder.TinyModel();
        b.Tensors[6] = ("model/h0/attn/c_proj/w", type, [32, 8], new byte[256]);
        Assert.Contains(expected, Refused(b.Build()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_RowNotWholeBlocks_Refused()
    {
        var b = LegacyBuilder.TinyModel();
        b.FType = 2002;
        b.Tensors[6] = ("model/h0/attn/c_proj/w", (uint)TensorType.Q4_0, [8, 8], new byte[18]);
        Assert.Contains("block size 32", Refused(b.Build()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TruncatedTensorData_NamesTensor()
    {
        var image = LegacyBuilder.TinyModel().Build();
        var e = Refused(image.Truncated(image.Length - 3));
        Assert.Equal("tensor 'model/lm_head'", e.Field);
        Assert.Contains("past the end of the file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DuplicateTensor_Refused()
    {
        var b = LegacyBuilder.TinyModel();
        b.Tensors.Add(b.Tensors[2]);
        Assert.Contains("duplicate tensor name", Refused(b.Build()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_UnknownTensorName_Refused()
    {
        var b = LegacyBuilder.TinyModel();
        b.Add("model/h0/attn/q_attn/w", 8, 8);
        Assert.Contains("not a tensor of the starcoder example", Refused(b.Build()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_LayerBeyondNLayer_Refused()
    {
        var b = LegacyBuilder.TinyModel();
        b.Add("model/h1/ln_1/g", 8);
        Assert.Contains("beyond n_layer", Refused(b.Build()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MissingTensor_Refused()
    {
        var b = LegacyBuilder.TinyModel();
        b.Tensors.RemoveAt(2);
        Assert.Contains("model/h0/ln_1/g", Refused(b.Build()).Field, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WrongShape_NamesTensor()
    {
        var b = LegacyBuilder.TinyModel();
        b.Tensors[6] = ("model/h0/attn/c_proj/w", 0, [8, 7], new byte[8 * 7 * 4]);
        Assert.Contains("does not match", Refused(b.Build()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_QuantizedNorm_Refused()
    {
        var b = LegacyBuilder.TinyModel();
        b.FType = 2002;
        b.Tensors[2] = ("model/h0/ln_1/g", (uint)TensorType.Q4_0, [32], new byte[18]);
        Assert.Contains("not allowed here", Refused(b.Build()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_Vocabulary_KeepsRawBytes()
    {
        using var model = Open(LegacyBuilder.TinyModel().Build());
        var vocab = Assert.IsType<StarChat.Formats.Tokenizers.GgmlVocabulary>(model.Tokenizer);
        Assert.Equal(" b"u8.ToArray(), vocab.Tokens.Bytes(2).ToArray());
        var summary = vocab.Summarize();
        Assert.Equal(4, summary.Size);
        Assert.Equal([0, 3], summary.SpecialTokens.Select(s => s.Id));
    }
}
