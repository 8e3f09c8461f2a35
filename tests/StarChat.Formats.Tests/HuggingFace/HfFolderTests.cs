using System.Text.Json;
using StarChat.Formats.HuggingFace;
using StarChat.Formats.Tests.Support;
using StarChat.Testing;

namespace StarChat.Formats.Tests.HuggingFace;

public class HfFolderTests
{
    private const string TinyConfig = """
        {"model_type": "gpt_bigcode", "vocab_size": 49156, "n_positions": 512, "n_embd": 64, "n_layer": 2, "n_head": 4,
         "n_inner": 256, "multi_query": true, "bos_token_id": 0, "eos_token_id": 0}
        """;

    /// <summary>A folder with the tiny model's sharded safetensors (copied from the fixture) and the given JSON files.</summary>
    private static TempFolder ShardedFolder(string config, string? index = null)
    {
        var folder = new TempFolder();
        foreach (var shard in new[] { "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors" })
            File.Copy(SharedPaths.Fixtures("tiny-starchat-bf16", shard), Path.Combine(folder.Path, shard));
        folder.Text("config.json", config);
        folder.Text("model.safetensors.index.json", index ?? File.ReadAllText(SharedPaths.Fixtures("tiny-starchat-bf16", "model.safetensors.index.json")));
        return folder;
    }

    private static ModelFormatException Refused(string path) => Assert.Throws<ModelFormatException>(() => { using var m = ModelFile.Open(path); });

    private static string IndexWith(Func<Dictionary<string, string>, Dictionary<string, string>> edit)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedPaths.Fixtures("tiny-starchat-bf16", "model.safetensors.index.json")));
        var map = doc.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return JsonSerializer.Serialize(new { metadata = new { total_size = 1 }, weight_map = edit(map) });
    }

    [Fact]
    public void Open_ShardedFolderWithMinimalConfig_AppliesDefaultsAndSizesFromTensors()
    {
        using var folder = ShardedFolder(TinyConfig);
        using var model = ModelFile.Open(folder.Path);
        var c = model.RequireConfig();
        Assert.Equal((49156, 512, 256, 1e-5f, true), (c.VocabSize, c.ContextLength, c.FeedForwardSize, c.LayerNormEpsilon, c.TieWordEmbeddings));
        Assert.Equal(2, model.WeightFiles.Count);
        Assert.Null(model.Tokenizer);
    }

    [Fact]
    public void Open_ConfigWithAliasesAndNullInner_Uses4xEmbd()
    {
        using var folder = ShardedFolder("""{"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "n_inner": null, "max_position_embeddings": 512}""");
        using var model = ModelFile.Open(folder.Path);
        Assert.Equal(256, model.RequireConfig().FeedForwardSize);
        Assert.Equal(50256, model.RequireConfig().BosTokenId);
    }

    [Fact]
    public void Open_ConfigVocabDiffersFromTensor_UsesTensorAndNotes()
    {
        using var folder = ShardedFolder(TinyConfig.Replace("49156", "49152", StringComparison.Ordinal));
        using var model = ModelFile.Open(folder.Path);
        Assert.Equal(49156, model.RequireConfig().VocabSize);
        Assert.Contains(model.Notes, n => n.Contains("vocab_size 49152", StringComparison.Ordinal));
    }

    [Fact]
    public void Open_GenerationConfigEosList_Used()
    {
        using var folder = ShardedFolder(TinyConfig);
        folder.Text("generation_config.json", """{"bos_token_id": 0, "eos_token_id": [0, 49155]}""");
        using var model = ModelFile.Open(folder.Path);
        Assert.Equal([0, 49155], model.RequireConfig().EosTokenIds);
    }

    [Fact]
    public void Open_ConfigShapeContradictsTensors_NamesTensor()
    {
        using var folder = ShardedFolder(TinyConfig.Replace("\"n_inner\": 256", "\"n_inner\": 128", StringComparison.Ordinal));
        var e = Refused(folder.Path);
        Assert.Contains("mlp.c_fc.weight", e.Field, StringComparison.Ordinal);
        Assert.Contains("does not match", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MultiHeadConfigForMultiQueryTensors_Refused()
    {
        using var folder = ShardedFolder(TinyConfig.Replace("\"multi_query\": true", "\"multi_query\": false", StringComparison.Ordinal));
        Assert.Contains("c_attn", Refused(folder.Path).Field, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model_type": "llama", "n_embd": 64, "n_layer": 2, "n_head": 4}""", "model_type")]
    [InlineData("""{"n_embd": "64", "n_layer": 2, "n_head": 4}""", "n_embd")]
    [InlineData("""{"n_layer": 2, "n_head": 4}""", "n_embd")]
    [InlineData("""{"n_embd": 64, "n_layer": 2, "n_head": 4, "multi_query": "yes"}""", "multi_query")]
    [InlineData("""{"n_embd": 64, "n_layer": 2, "n_head": 3}""", "hyper-parameters")]
    [InlineData("""{"n_embd": 64, "n_layer": 2000000, "n_head": 4}""", "n_layer")]
    [InlineData("""not json""", "JSON")]
    public void Open_BadConfig_NamesField(string config, string field)
    {
        using var folder = ShardedFolder(config);
        Assert.Equal(field, Refused(folder.Path).Field);
    }

    [Fact]
    public void Open_IndexNamesShardOutsideFolder_Refused()
    {
        using var folder = ShardedFolder(TinyConfig, IndexWith(m => { m["transformer.wte.weight"] = "../evil.safetensors"; return m; }));
        Assert.Contains("not a plain file name", Refused(folder.Path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_IndexNamesMissingShard_Refused()
    {
        using var folder = ShardedFolder(TinyConfig, IndexWith(m => { m["transformer.wte.weight"] = "model-00003-of-00003.safetensors"; return m; }));
        Assert.Contains("does not exist", Refused(folder.Path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TensorInOtherShardThanIndexSays_Refused()
    {
        using var folder = ShardedFolder(TinyConfig, IndexWith(m => { m["transformer.wte.weight"] = "model-00002-of-00002.safetensors"; return m; }));
        Assert.Contains("not listed for this shard", Refused(folder.Path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_IndexListsTensorNoShardHolds_Refused()
    {
        using var folder = ShardedFolder(TinyConfig, IndexWith(m => { m["transformer.extra.weight"] = "model-00001-of-00002.safetensors"; return m; }));
        Assert.Contains("not found there", Refused(folder.Path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TensorInTwoShards_Refused()
    {
        using var folder = ShardedFolder(TinyConfig);
        File.Copy(Path.Combine(folder.Path, "model-00002-of-00002.safetensors"), Path.Combine(folder.Path, "model-00003-of-00003.safetensors"));
        folder.Text("model.safetensors.index.json", IndexWith(m => m).Replace("}}", ",\"zz\":\"model-00003-of-00003.safetensors\"}}", StringComparison.Ordinal));
        Assert.Contains("another shard", Refused(folder.Path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FolderWithoutConfig_Refused()
    {
        using var folder = new TempFolder();
        Assert.Equal("config.json", Refused(folder.Path).Field);
    }

    [Fact]
    public void Open_BareSafetensorsWithoutConfig_InfersMultiQueryConfig()
    {
        using var folder = new TempFolder();
        File.Copy(SharedPaths.Fixtures("tiny-starchat", "model.safetensors"), Path.Combine(folder.Path, "model.safetensors"));
        using var model = ModelFile.Open(Path.Combine(folder.Path, "model.safetensors"));
        var c = model.RequireConfig();
        Assert.Equal((4, 1, 256, 2), (c.HeadCount, c.KvHeadCount, c.FeedForwardSize, c.LayerCount));
        Assert.Contains(model.Notes, n => n.Contains("inferred", StringComparison.Ordinal));
    }

    [Fact]
    public void Open_GptqFolder_FindsWeightsBySuffixAndDescribesQuantization()
    {
        using var model = ModelFile.Open(SharedPaths.Fixtures("tiny-starchat-gptq"));
        Assert.EndsWith("gptq_model-4bit-32g.safetensors", Assert.Single(model.WeightFiles), StringComparison.Ordinal);
        Assert.StartsWith("gptq", model.FileType, StringComparison.Ordinal);
        // README-hf.md §3: the tied lm_head.weight is stored as its own fp16 copy.
        Assert.True(model.Weights.Contains("lm_head.weight"));
        Assert.Equal(new Engine.Tensors.TensorShape(2, 96), model.FileTensors.Single(t => t.Name == "transformer.h.0.attn.c_attn.scales").Shape);
        // The packing tensors are folded into the canonical weight.
        Assert.False(model.Weights.Contains("transformer.h.0.attn.c_attn.scales"));
        Assert.Equal(new Engine.Tensors.TensorShape(96, 64), model.Weights.Get("transformer.h.0.attn.c_attn.weight").Shape);
    }

    [Fact]
    public void Open_EightBitFolder_KeepsScalarWeightFormat()
    {
        using var model = ModelFile.Open(SharedPaths.Fixtures("tiny-starchat-8bit"));
        var format = model.FileTensors.Single(t => t.Name == "transformer.h.0.attn.c_attn.weight_format");
        Assert.Equal(0, format.Shape.Rank);
        Assert.Equal(Engine.Tensors.TensorType.U8, format.Type);
        // The stored int8 weight stays in FileTensors; the canonical name serves it as int8 blocks with f32 row scales.
        Assert.Equal(Engine.Tensors.TensorType.I8, model.FileTensors.Single(t => t.Name == "transformer.h.0.mlp.c_fc.weight").Type);
        Assert.Equal(Engine.Tensors.TensorType.Q8_SCB, model.Weights.Get("transformer.h.0.mlp.c_fc.weight").Type);
    }

    [Fact]
    public void Open_ShardedPyTorchFolder_ReadsThroughBinIndex()
    {
        using var folder = new TempFolder();
        File.Copy(SharedPaths.Fixtures("tiny-starchat-f16-bin", "pytorch_model.bin"), Path.Combine(folder.Path, "pytorch_model-00001-of-00001.bin"));
        folder.Text("config.json", TinyConfig);
        using (var single = ModelFile.Open(SharedPaths.Fixtures("tiny-starchat-f16-bin")))
            folder.Text("pytorch_model.bin.index.json", JsonSerializer.Serialize(new { weight_map = single.Weights.Names.ToDictionary(n => n, _ => "pytorch_model-00001-of-00001.bin") }));
        using var model = ModelFile.Open(folder.Path);
        Assert.Equal(ModelFormat.PyTorch, model.Format);
        Assert.Equal(28, model.Weights.Names.Count);
        Assert.NotNull(model.Config);
    }

    [Fact]
    public void ShardIndex_FixtureIndex_ListsTwoShards()
    {
        var index = HfShardIndex.Read(SharedPaths.Fixtures("tiny-starchat-bf16", "model.safetensors.index.json"));
        Assert.Equal(2, index.Shards.Count);
        Assert.Equal(28, index.WeightMap.Count);
        Assert.Equal(6532736, index.TotalSize);
    }
}
