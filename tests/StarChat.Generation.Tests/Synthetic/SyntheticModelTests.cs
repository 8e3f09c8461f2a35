using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;
using StarChat.Formats;
using StarChat.Formats.Gguf;
using StarChat.Formats.Tokenizers;
using StarChat.Generation.Synthetic;
using StarChat.Testing;

namespace StarChat.Generation.Tests.Synthetic;

/// <summary>
/// The random models <c>starchat bench --synthetic</c> writes: the published shapes, GGUF files laid out as
/// llama.cpp's own tools write them (types per tensor, file type), weights drawn as documented, and a model that loads and runs.
/// </summary>
public sealed class SyntheticModelTests : IDisposable
{
    private static readonly Lazy<GgufTokenizerData> s_tokenizer = new(() =>
    {
        using var gguf = GgufFile.Open(SharedPaths.Data("tokenizer", "starcoder", "ggml-vocab-starcoder.gguf"));
        return GgufTokenizerData.FromMetadata("starcoder", gguf.Metadata)!;
    });

    private readonly string _directory = Directory.CreateTempSubdirectory("starchat-synthetic-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // config.json of bigcode/starcoderbase-1b, -3b, -7b and bigcode/starcoderbase (15.5B).
    [Theory]
    [InlineData("starcoder-1b", 2048, 24, 16, 8192)]
    [InlineData("starcoder-3b", 2816, 36, 22, 11264)]
    [InlineData("starcoder-7b", 4096, 42, 32, 16384)]
    [InlineData("starcoder-15b", 6144, 40, 48, 24576)]
    public void Presets_HaveThePublishedShapes(string preset, int embedding, int layers, int heads, int inner)
    {
        var c = SyntheticModel.Presets[preset];
        Assert.Equal((embedding, layers, heads, inner), (c.EmbeddingSize, c.LayerCount, c.HeadCount, c.FeedForwardSize));
        Assert.Equal((49152, 8192), (c.VocabSize, c.ContextLength));
    }

    [Fact]
    public void Write_UnknownPreset_NamesTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => SyntheticModel.Write(Path.Combine(_directory, "x.gguf"), "starcoder-2b", TensorType.F16, s_tokenizer.Value));
        Assert.Contains("starcoder-1b", error.Message, StringComparison.Ordinal);
    }

    // llama-quantize's choices for a StarCoder file: the tied token embedding in Q6_K for the 4/5-bit and K mixes when
    // its rows are whole super-blocks (Q8_0 when they are not), position embedding and 1-D tensors in F32.
    [Theory]
    [InlineData(TensorType.F32, 64, TensorType.F32, 0)]
    [InlineData(TensorType.F16, 64, TensorType.F16, 1)]
    [InlineData(TensorType.Q8_0, 64, TensorType.Q8_0, 7)]
    [InlineData(TensorType.Q4_0, 64, TensorType.Q8_0, 2)]
    [InlineData(TensorType.Q5_1, 64, TensorType.Q8_0, 9)]
    [InlineData(TensorType.Q4_K, 256, TensorType.Q6_K, 15)]
    public void Write_SmallShape_HasLlamaCppTypesAndRuns(TensorType type, int embedding, TensorType tokenEmbedding, int fileType)
    {
        var config = Small(embedding);
        string path = Path.Combine(_directory, $"small-{type}.gguf");
        SyntheticModel.Write(path, config, "small (synthetic)", type, s_tokenizer.Value, seed: 3);

        using (var gguf = GgufFile.Open(path))
        {
            Assert.Equal("starcoder", gguf.Metadata.GetStringOrNull("general.architecture"));
            Assert.Equal(fileType, gguf.Metadata.GetInteger("general.file_type"));
            Assert.Equal(embedding, gguf.Metadata.GetInteger("starcoder.embedding_length"));
            Assert.Equal(2 + 12 * config.LayerCount + 2, gguf.Tensors.Count);
            var types = gguf.Tensors.ToDictionary(t => t.Name, t => t.Type);
            Assert.Equal(tokenEmbedding, types["token_embd.weight"]);
            Assert.Equal(TensorType.F32, types["position_embd.weight"]);
            Assert.Equal(TensorType.F32, types["blk.1.attn_qkv.bias"]);
            Assert.Equal(TensorType.F32, types["output_norm.weight"]);
            Assert.Equal(type, types["blk.0.attn_qkv.weight"]);
            Assert.Equal(type, types["blk.1.ffn_down.weight"]);
        }

        using var local = LocalModel.Load(path);
        Assert.Equal(49152, local.Model.VocabSize);
        var logits = new float[local.Model.VocabSize];
        using var session = local.Model.CreateSession(8);
        session.Append([17, 2000, 31], logits);
        Assert.All(logits, l => Assert.True(float.IsFinite(l)));
        Assert.True(logits.Max() > logits.Min());
    }

    [Fact]
    public void Write_F32_WeightsAreNormalWithGpt2Spread_NormsOneBiasesZero()
    {
        string path = Path.Combine(_directory, "f32.gguf");
        SyntheticModel.Write(path, Small(64), "small (synthetic)", TensorType.F32, s_tokenizer.Value, seed: 5);
        using var files = ModelFile.Open(path);
        var tensors = files.FileTensors.ToDictionary(t => t.Name);

        var weights = Floats(tensors["blk.0.ffn_up.weight"]);
        double mean = weights.Average();
        double sd = Math.Sqrt(weights.Sum(w => (w - mean) * (w - mean)) / (weights.Length - 1));
        Assert.InRange(mean, -0.001, 0.001);
        Assert.InRange(sd, 0.0195, 0.0205);
        // Normal-shaped, not uniform: about 68 % within one standard deviation (a uniform draw gives 58 %).
        double within = weights.Count(w => Math.Abs(w - mean) < sd) / (double)weights.Length;
        Assert.InRange(within, 0.65, 0.70);

        Assert.All(Floats(tensors["blk.1.attn_norm.weight"]), v => Assert.Equal(1f, v));
        Assert.All(Floats(tensors["blk.1.ffn_up.bias"]), v => Assert.Equal(0f, v));
        Assert.NotEqual(Floats(tensors["blk.0.attn_qkv.weight"]).Take(64), Floats(tensors["blk.1.attn_qkv.weight"]).Take(64));
    }

    [Fact]
    public void Write_SameSeed_SameBytes_OtherSeed_OtherWeights()
    {
        string a = Path.Combine(_directory, "a.gguf"), b = Path.Combine(_directory, "b.gguf"), c = Path.Combine(_directory, "c.gguf");
        SyntheticModel.Write(a, Small(64), "small", TensorType.Q8_0, s_tokenizer.Value, seed: 1);
        SyntheticModel.Write(b, Small(64), "small", TensorType.Q8_0, s_tokenizer.Value, seed: 1);
        SyntheticModel.Write(c, Small(64), "small", TensorType.Q8_0, s_tokenizer.Value, seed: 2);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.NotEqual(File.ReadAllBytes(a), File.ReadAllBytes(c));
    }

    private static GptBigCodeConfig Small(int embedding) => new()
    {
        VocabSize = 49152,
        ContextLength = 128,
        EmbeddingSize = embedding,
        LayerCount = 2,
        HeadCount = 4,
        FeedForwardSize = 4 * embedding,
    };

    private static float[] Floats(TensorView view)
    {
        var values = new float[view.Shape.ElementCount];
        int rowLength = checked((int)view.Shape.RowLength);
        for (long r = 0; r < view.Shape.RowCount; r++)
            Dequantize.Row(view.Type, view.Row(r), values.AsSpan(checked((int)(r * rowLength)), rowLength));
        return values;
    }
}
