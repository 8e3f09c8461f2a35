using System.Text.Json;
using System.Text.Json.Nodes;
using StarChat.Engine.Tensors;
using StarChat.Formats.Peft;
using StarChat.Formats.Safetensors;
using StarChat.Formats.Tests.Support;
using StarChat.Testing;

namespace StarChat.Formats.Tests.Peft;

/// <summary>The inference-side PEFT reader (formats.md §12, README-hf.md §4): config semantics, pairing and refusals.</summary>
public class LoraAdapterTests
{
    private static LoraConfig Config(string json) => LoraConfig.Parse("adapter_config.json", JsonDocument.Parse(json).RootElement);

    [Fact]
    public void Open_Fixture_PairsEveryLinearOfBothBlocks()
    {
        using var adapter = LoraAdapter.Open(SharedPaths.Fixtures("tiny-starchat-lora"));
        Assert.Equal((8, 16.0, 2.0), (adapter.Config.Rank, adapter.Config.Alpha, adapter.Config.Scaling));
        Assert.Equal(8, adapter.Pairs.Count);
        var pair = adapter.Pairs.Single(p => p.Module == "transformer.h.1.mlp.c_proj");
        Assert.Equal((new TensorShape(8, 256), new TensorShape(64, 8)), (pair.A.Shape, pair.B.Shape));
    }

    [Fact]
    public void Targets_ListEntry_MatchesAsDottedSuffix()
    {
        var c = Config("""{"r": 4, "lora_alpha": 8, "target_modules": ["c_proj"]}""");
        Assert.True(c.Targets("transformer.h.0.attn.c_proj"));
        Assert.True(c.Targets("transformer.h.7.mlp.c_proj"));
        Assert.False(c.Targets("transformer.h.0.attn.c_attn"));
    }

    [Fact]
    public void Targets_StringIsAWholePathRegex()
    {
        var c = Config("""{"r": 4, "lora_alpha": 8, "target_modules": ".*\\.h\\.1\\..*c_fc"}""");
        Assert.True(c.Targets("transformer.h.1.mlp.c_fc"));
        Assert.False(c.Targets("transformer.h.10.mlp.c_fc"));
        Assert.False(c.Targets("transformer.h.1.mlp.c_fc.extra"));
    }

    [Fact]
    public void Scaling_RsLora_UsesSquareRootOfRank()
        => Assert.Equal(16 / 2.0, Config("""{"r": 4, "lora_alpha": 16, "use_rslora": true}""").Scaling);

    [Fact]
    public void Parse_QAttnTarget_IsToleratedForStarCoderFineTunes()
        => Assert.Equal(3, Config("""{"target_modules": ["c_proj", "c_attn", "q_attn"]}""").TargetModules!.Count);

    [Theory]
    [InlineData("""{"fan_in_fan_out": true}""", "fan_in_fan_out")]
    [InlineData("""{"modules_to_save": ["lm_head"]}""", "modules_to_save")]
    [InlineData("""{"rank_pattern": {"c_attn": 16}}""", "rank_pattern")]
    [InlineData("""{"r": 0}""", "r")]
    [InlineData("""{"target_modules": ["embed_tokens"]}""", "target_modules")]
    public void Parse_UnsupportedSetting_NamesTheField(string json, string field)
        => Assert.Equal(field, Assert.Throws<ModelFormatException>(() => Config(json)).Field);

    private static string Adapter(TempFolder folder, Func<TensorView, bool> keep)
    {
        using (var files = ModelFile.Open(SharedPaths.Fixtures("tiny-starchat-lora")))
        {
            var tensors = files.FileTensors.Where(keep).Select(t => new SafetensorsEntry(t.Name, t.Type, t.Shape, t.Bytes.ToArray())).ToList();
            SafetensorsWriter.Write(Path.Combine(folder.Path, "adapter_model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        }
        File.Copy(SharedPaths.Fixtures("tiny-starchat-lora", "adapter_config.json"), Path.Combine(folder.Path, "adapter_config.json"));
        return folder.Path;
    }

    [Fact]
    public void Open_LoraBMissing_NamesTheMissingTensor()
    {
        using var folder = new TempFolder();
        Adapter(folder, t => t.Name != "base_model.model.transformer.h.1.attn.c_attn.lora_B.weight");
        var e = Assert.Throws<ModelFormatException>(() => LoraAdapter.Open(folder.Path));
        Assert.Equal("tensor 'base_model.model.transformer.h.1.attn.c_attn.lora_B.weight'", e.Field);
    }

    [Fact]
    public void Open_WrittenBackCopy_ReadsTheSame()
    {
        using var folder = new TempFolder();
        using var copy = LoraAdapter.Open(Adapter(folder, _ => true));
        Assert.Equal(8, copy.Pairs.Count);
    }

    [Fact]
    public void Open_FolderWithoutConfig_IsFileNotFound()
    {
        using var folder = new TempFolder();
        Assert.Throws<FileNotFoundException>(() => LoraAdapter.Open(folder.Path));
    }

    [Fact]
    public void Open_ConfigTargetingFewerModulesThanStored_NamesTheTensor()
    {
        using var folder = new TempFolder();
        Adapter(folder, _ => true);
        string path = Path.Combine(folder.Path, "adapter_config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config["target_modules"] = new JsonArray("c_attn", "c_fc");
        File.WriteAllText(path, config.ToJsonString());
        var e = Assert.Throws<ModelFormatException>(() => LoraAdapter.Open(folder.Path));
        Assert.Contains("c_proj", e.Field, StringComparison.Ordinal);
    }
}
