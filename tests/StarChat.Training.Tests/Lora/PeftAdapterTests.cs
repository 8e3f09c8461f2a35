using System.Runtime.InteropServices;
using System.Text.Json;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Formats;
using StarChat.Formats.Peft;
using StarChat.Testing;
using StarChat.Training.Lora;
using StarChat.Training.Tests.Fixtures;

namespace StarChat.Training.Tests.Lora;

/// <summary>The PEFT adapter fixture (README-hf.md §4): reading it, writing it back byte for byte, and its logits.</summary>
public sealed class PeftAdapterTests
{
    private static string FixtureAdapter => SharedPaths.Fixtures("tiny-starchat-lora");

    [Fact]
    public void Load_FixtureAdapter_ReadsConfigAndEveryMatrix()
    {
        var adapter = PeftAdapter.Load(FixtureAdapter);

        Assert.Equal(8, adapter.Config.Rank);
        Assert.Equal(16, adapter.Config.Alpha);
        Assert.Equal(2.0, adapter.Config.Scaling);
        Assert.Equal(["c_attn", "c_fc", "c_proj"], adapter.Config.TargetModules);
        Assert.Equal(8, adapter.Modules.Count);
        // The training fixture's non-zero-B start is this adapter (float64 copies of its float32 values).
        var reference = TrainingFixture.Instance.Raw("nonzero_B.init.f64");
        foreach (var (module, m) in adapter.Modules)
        {
            Assert.Equal(reference[PeftKeys.LoraA(module)], m.A.Select(v => (double)v));
            Assert.Equal(reference[PeftKeys.LoraB(module)], m.B.Select(v => (double)v));
        }
        Assert.Equal((96, 64), (adapter.Modules["transformer.h.1.attn.c_attn"].OutFeatures, adapter.Modules["transformer.h.1.attn.c_attn"].InFeatures));
    }

    [Fact]
    public void Save_FixtureValues_WritesTheSameBytesAsPeft()
    {
        var model = ModelFactory.Tiny<float>();
        PeftAdapter.Load(FixtureAdapter).AttachTo(model);
        using var temp = new TempFolder();

        PeftAdapter.Save(temp.Path, model, PeftAdapterConfig.From(new LoraSettings { Rank = 8, Alpha = 16, Dropout = 0.05 }, "tiny-starchat"));

        Assert.Equal(File.ReadAllBytes(Path.Combine(FixtureAdapter, "adapter_model.safetensors")), File.ReadAllBytes(temp.File("adapter_model.safetensors")));
        Assert.Equal(File.ReadAllText(Path.Combine(FixtureAdapter, "adapter_config.json")), File.ReadAllText(temp.File("adapter_config.json")));
    }

    [Theory]
    [InlineData("code")]
    [InlineData("chat")]
    public void MergedWeights_FixtureAdapter_ReproduceReferenceLogits(string prompt)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(SharedPaths.Fixtures("expected-hf.json")));
        var @case = doc.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("case").GetString() == $"tiny-starchat-lora/{prompt}");
        int[] ids = [.. @case.GetProperty("ids").EnumerateArray().Select(v => v.GetInt32())];
        int[] positions = [.. @case.GetProperty("positions").EnumerateArray().Select(v => v.GetInt32())];
        var expected = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(SharedPaths.Fixtures(@case.GetProperty("logits_file").GetString()!.Split('/')))).ToArray();

        using var files = ModelFile.Open(ModelFactory.TinyStarChatPath);
        using var merged = new LoraMergedWeights(files.Weights, PeftAdapter.Load(FixtureAdapter));
        using var engine = GptBigCodeModel.Load(merged, files.RequireConfig(), new ModelOptions { Threads = 1 });
        using var session = engine.CreateSession();
        var logits = new float[ids.Length * engine.VocabSize];
        session.Append(ids, logits);

        int v = engine.VocabSize;
        for (int k = 0; k < positions.Length; k++)
        {
            NumericAssert.AllClose([.. expected.AsSpan(k * v, v).ToArray().Select(x => (double)x)],
                [.. logits.AsSpan(positions[k] * v, v).ToArray().Select(x => (double)x)], 1e-4, $"{prompt} logits at position {positions[k]}");
        }
    }

    [Fact]
    public void Load_DoraAdapter_ThrowsNamingTheField()
    {
        using var temp = CopyOfFixture();
        Rewrite(temp.File("adapter_config.json"), "\"use_dora\": false", "\"use_dora\": true");

        var e = Assert.Throws<ModelFormatException>(() => PeftAdapter.Load(temp.Path));
        Assert.Contains("use_dora", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RankNotAnInteger_ThrowsNamingFileAndField()
    {
        using var temp = CopyOfFixture();
        Rewrite(temp.File("adapter_config.json"), "\"r\": 8,", "\"r\": \"eight\",");

        var e = Assert.Throws<ModelFormatException>(() => PeftAdapter.Load(temp.Path));
        Assert.Contains("r", e.Field, StringComparison.Ordinal);
        Assert.Contains("adapter_config.json", e.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ConfigWithoutRank_TakesPeftsDefaultOf8()
    {
        using var temp = CopyOfFixture();
        Rewrite(temp.File("adapter_config.json"), "\"r\": 8,", "");

        Assert.Equal(8, PeftAdapter.Load(temp.Path).Config.Rank);
    }

    [Fact]
    public void Load_RankDisagreesWithMatrices_ThrowsNamingTheRank()
    {
        using var temp = CopyOfFixture();
        Rewrite(temp.File("adapter_config.json"), "\"r\": 8,", "\"r\": 4,");

        var e = Assert.Throws<ModelFormatException>(() => PeftAdapter.Load(temp.Path));
        Assert.Contains("r = 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FolderWithoutConfig_ThrowsFileNotFound()
    {
        using var temp = new TempFolder();
        Assert.Throws<FileNotFoundException>(() => PeftAdapter.Load(temp.Path));
    }

    [Fact]
    public void AttachTo_ModelWithOtherWidth_ThrowsNamingTheModule()
    {
        var adapter = PeftAdapter.Load(FixtureAdapter);
        var model = TinyRandomModel.Create<double>(seed: 1);

        var e = Assert.Throws<ArgumentException>(() => adapter.AttachTo(model));
        Assert.Contains("transformer.h.0.attn.c_attn", e.Message, StringComparison.Ordinal);
    }

    private static TempFolder CopyOfFixture()
    {
        var temp = new TempFolder();
        foreach (var file in Directory.GetFiles(FixtureAdapter))
            File.Copy(file, temp.File(Path.GetFileName(file)));
        return temp;
    }

    private static void Rewrite(string path, string from, string to)
    {
        string text = File.ReadAllText(path);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }
}
