using System.Text.Json.Nodes;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;
using StarChat.Formats;
using StarChat.Formats.Peft;
using StarChat.Testing;

namespace StarChat.Generation.Tests.Engine;

/// <summary>
/// The PEFT LoRA fixture (README-hf.md §4) applied unmerged and merged, against <c>expected-hf.json</c>'s
/// tiny-starchat-lora cases (float64 reference of y = x·Wᵀ + b + (x·Aᵀ)·Bᵀ·alpha/r): logits within 1e-4, top-5 and
/// 16 greedy ids exact (README-hf.md §6 measured merged-vs-unmerged within 1.5e-5 in float32).
/// </summary>
public sealed class LoraFixtureTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("starchat-lora-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    public static TheoryData<string> LoraCases() => [.. HfFixtureCases.All.Where(c => c.Adapter is not null).Select(c => c.Name)];

    private static ModelOptions WithLora(float scale = 1f, params string[] adapters)
        => new() { Threads = 2, Adapters = [.. adapters.Select(a => new LoraAdapterOption(a, scale))] };

    private static string Lora => SharedPaths.Fixtures("tiny-starchat-lora");

    private static string Base => SharedPaths.Fixtures("tiny-starchat");

    [Theory]
    [MemberData(nameof(LoraCases))]
    public void Unmerged_Logits_MatchReference(string name)
    {
        var c = HfFixtureCases.Get(name);
        using var model = LocalModel.Load(Base, WithLora(1f, Lora));
        Assert.Single(model.Adapters);
        HfCheckpointFixtureTests.AssertLogitsMatch(c, HfCheckpointFixtureTests.AllLogits(model.Model, c.Ids));
    }

    [Theory]
    [MemberData(nameof(LoraCases))]
    public void Unmerged_Greedy_EqualsReference(string name)
    {
        var c = HfFixtureCases.Get(name);
        using var model = LocalModel.Load(Base, WithLora(1f, Lora));
        Assert.Equal(c.GreedyIds, HfCheckpointFixtureTests.Greedy(model.Model, c.Ids, c.GreedyIds.Length));
    }

    [Fact]
    public void Merged_Folder_MatchesReferenceAndCopiesSideFiles()
    {
        using (var adapter = LoraAdapter.Open(Lora))
        {
            var result = LoraMerge.Merge(Base, [(adapter, 1.0)], _temp);
            Assert.Equal(16 / 2, result.MergedTensors.Count);     // 4 linears × 2 layers
            Assert.Contains("tokenizer.json", result.CopiedFiles);
        }
        using var merged = LocalModel.Load(_temp, new ModelOptions { Threads = 2 });
        Assert.Equal(TensorType.F32, merged.Files.Weights.Get("transformer.h.0.attn.c_attn.weight").Type);
        foreach (var c in HfFixtureCases.All.Where(c => c.Adapter is not null))
        {
            HfCheckpointFixtureTests.AssertLogitsMatch(c, HfCheckpointFixtureTests.AllLogits(merged.Model, c.Ids));
            Assert.Equal(c.GreedyIds, HfCheckpointFixtureTests.Greedy(merged.Model, c.Ids, c.GreedyIds.Length));
        }
    }

    [Fact]
    public void ScaleZero_GivesTheBaseModel()
    {
        var c = HfFixtureCases.Get("tiny-starchat/code");
        using var off = LocalModel.Load(Base, WithLora(0f, Lora));
        HfCheckpointFixtureTests.AssertLogitsMatch(c, HfCheckpointFixtureTests.AllLogits(off.Model, c.Ids));
    }

    [Fact]
    public void SameAdapterTwiceAtHalfScale_EqualsItOnce()
    {
        var c = HfFixtureCases.Get("tiny-starchat-lora/code");
        using var halves = LocalModel.Load(Base, WithLora(0.5f, Lora, Lora));
        Assert.Equal(2, halves.Adapters.Count);
        HfCheckpointFixtureTests.AssertLogitsMatch(c, HfCheckpointFixtureTests.AllLogits(halves.Model, c.Ids));
    }

    [Fact]
    public void AdapterForAnotherModelSize_FailsNamingTheModule()
    {
        var e = Assert.Throws<WeightShapeException>(() => LocalModel.Load(SharedPaths.Fixtures("gguf", "small-starchat.q3_k_m.gguf"), WithLora(1f, Lora)));
        Assert.Contains("transformer.h.0.attn.c_attn", e.Message, StringComparison.Ordinal);
        Assert.Contains("another base model", e.Message, StringComparison.Ordinal);
    }

    private string AdapterWith(Action<JsonObject> edit)
    {
        string folder = Directory.CreateDirectory(Path.Combine(_temp, Guid.NewGuid().ToString("N"))).FullName;
        File.Copy(Path.Combine(Lora, "adapter_model.safetensors"), Path.Combine(folder, "adapter_model.safetensors"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Lora, "adapter_config.json")))!.AsObject();
        edit(config);
        File.WriteAllText(Path.Combine(folder, "adapter_config.json"), config.ToJsonString());
        return folder;
    }

    [Theory]
    [InlineData("target_modules", """["q_proj", "v_proj"]""", "names no GPTBigCode linear layer")]
    [InlineData("target_modules", """["c_attn"]""", "not selected by target_modules")]
    [InlineData("use_dora", "true", "DoRA")]
    [InlineData("peft_type", "\"IA3\"", "not supported")]
    [InlineData("bias", "\"all\"", "not supported")]
    [InlineData("r", "16", "rank r = 16")]
    public void BadAdapterConfig_FailsNamingFileAndField(string field, string json, string message)
    {
        string folder = AdapterWith(c => c[field] = JsonNode.Parse(json));
        var e = Assert.ThrowsAny<ModelFormatException>(() => LocalModel.Load(Base, WithLora(1f, folder)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains(folder, e.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void MergeIntoQuantizedBase_IsRefused()
    {
        using var adapter = LoraAdapter.Open(Lora);
        var e = Assert.Throws<ModelFormatException>(() => LoraMerge.Merge(SharedPaths.Fixtures("tiny-starchat-8bit"), [(adapter, 1.0)], Path.Combine(_temp, "out")));
        Assert.Contains("quantized", e.Message, StringComparison.Ordinal);
    }
}
