using StarChat.Engine.Tensors;
using StarChat.Formats.Tests.Support;
using StarChat.Testing;

namespace StarChat.Formats.Tests;

public class ModelFileFixtureTests
{
    [Theory, MemberData(nameof(FixturePaths.Everything), MemberType = typeof(FixturePaths))]
    public void Open_EveryFixture_EveryTensorLiesInsideOwnedMemory(string relative)
    {
        using var model = ModelFile.Open(SharedPaths.Fixtures(relative));
        Assert.NotEmpty(model.FileTensors);
        foreach (var view in model.FileTensors)
            Assert.True(model.WeightSource.Owns(view), $"{view.Name} outside the mapped files");
        foreach (var name in model.Weights.Names)
        {
            var view = model.Weights.Get(name);
            Assert.Equal(name, view.Name);
            Assert.True(model.WeightSource.Owns(view), $"{name} outside owned memory");
            Assert.Equal(TensorTypeInfo.ByteCount(view.Type, view.Shape.ElementCount), view.ByteLength);
        }
    }

    [Theory]
    [InlineData("tiny-starchat", ModelFormat.Safetensors)]
    [InlineData("tiny-starchat-bf16", ModelFormat.Safetensors)]
    [InlineData("tiny-starchat-f16-bin", ModelFormat.PyTorch)]
    [InlineData("tiny-starchat-8bit", ModelFormat.Safetensors)]
    [InlineData("tiny-starchat-gptq", ModelFormat.Safetensors)]
    [InlineData("tiny-starchat-gptq-actorder", ModelFormat.Safetensors)]
    [InlineData("gguf/tiny-starchat.f16.gguf", ModelFormat.Gguf)]
    [InlineData("gguf/tiny-starchat.q4_0.gguf", ModelFormat.Gguf)]
    [InlineData("ggml/tiny-starchat.ggmlv3.q4_0.bin", ModelFormat.GgmlLegacy)]
    [InlineData("ggml/tiny-starchat.ggmlv3.f16.bin", ModelFormat.GgmlLegacy)]
    public void Open_TinyModel_ConfigMatchesReadme(string relative, ModelFormat format)
    {
        using var model = ModelFile.Open(SharedPaths.Fixtures(relative));
        Assert.Equal(format, model.Format);
        var c = model.RequireConfig();
        // fixtures/README.md §1: n_embd 64, 2 layers, 4 heads, one K/V head of 16, n_inner 256, 512 positions, vocab 49156.
        Assert.Equal((49156, 512, 64, 2, 4, 1, 256), (c.VocabSize, c.ContextLength, c.EmbeddingSize, c.LayerCount, c.HeadCount, c.KvHeadCount, c.FeedForwardSize));
        Assert.Equal(1e-5f, c.LayerNormEpsilon);
        Assert.True(c.TieWordEmbeddings);
        // GPTQ folders store c_attn as packed qweight [in/8, out] (README-hf.md §3); the canonical weight is [out, in] for all.
        Assert.Equal(new TensorShape(96, 64), model.Weights.Get("transformer.h.1.attn.c_attn.weight").Shape);
    }

    [Theory]
    [InlineData("gguf/small-starchat.q2_k.gguf")]
    [InlineData("gguf/small-starchat.q3_k_m.gguf")]
    public void Open_SmallModel_ConfigMatchesReadme(string relative)
    {
        using var model = ModelFile.Open(SharedPaths.Fixtures(relative));
        var c = model.RequireConfig();
        Assert.Equal((49156, 1024, 256, 2, 4, 1024), (c.VocabSize, c.ContextLength, c.EmbeddingSize, c.LayerCount, c.HeadCount, c.FeedForwardSize));
        Assert.Equal(new TensorShape(256 + 2 * 64, 256), model.Weights.Get("transformer.h.0.attn.c_attn.weight").Shape);
    }

    [Fact]
    public void Open_Fixtures_CanonicalNamesAgreeAcrossFormats()
    {
        using var hf = ModelFile.Open(SharedPaths.Fixtures("tiny-starchat"));
        foreach (var other in new[] { "tiny-starchat-bf16", "tiny-starchat-f16-bin", "gguf/tiny-starchat.f16.gguf", "ggml/tiny-starchat.ggmlv3.f16.bin" })
        {
            using var model = ModelFile.Open(SharedPaths.Fixtures(other));
            Assert.Equal(hf.Weights.Names.Order(StringComparer.Ordinal), model.Weights.Names.Order(StringComparer.Ordinal));
            foreach (var name in hf.Weights.Names)
                Assert.Equal(hf.Weights.Get(name).Shape, model.Weights.Get(name).Shape);
        }
    }

    [Fact]
    public void Open_LoraFolder_ServesAdapterTensorsWithoutConfig()
    {
        using var model = ModelFile.Open(SharedPaths.Fixtures("tiny-starchat-lora"));
        Assert.Null(model.Config);
        Assert.Equal(16, model.Weights.Names.Count);
        // README-hf.md §4: lora_A [8, in], lora_B [out, 8].
        Assert.Equal(new TensorShape(8, 64), model.Weights.Get("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight").Shape);
        Assert.Equal(new TensorShape(96, 8), model.Weights.Get("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight").Shape);
        Assert.Contains(model.Properties, p => p.Key == "adapter r" && p.Value == "8");
        Assert.Throws<ModelFormatException>(() => model.RequireConfig());
    }

    [Fact]
    public void Open_OneShardAlone_OpensWithoutConfigAndSaysWhy()
    {
        using var model = ModelFile.Open(SharedPaths.Fixtures("tiny-starchat-bf16", "model-00002-of-00002.safetensors"));
        Assert.Null(model.Config);
        Assert.Contains(model.Notes, n => n.Contains("not a complete model", StringComparison.Ordinal));
    }

    [Fact]
    public void Open_SafetensorsFileInFolder_UsesConfigBesideIt()
    {
        using var model = ModelFile.Open(SharedPaths.Fixtures("tiny-starchat", "model.safetensors"));
        Assert.Equal([0, 49155], model.RequireConfig().EosTokenIds);
        Assert.NotNull(model.Tokenizer);
    }
}
