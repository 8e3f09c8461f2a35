using System.CommandLine;
using System.Text.Json;
using StarChat.Testing;

namespace StarChat.Cli.Tests;

public class InfoCommandTests
{
    public static TheoryData<string> Fixtures() =>
    [
        "gguf/tiny-starchat.f16.gguf", "gguf/tiny-starchat.q4_0.gguf", "gguf/tiny-starchat.q4_1.gguf", "gguf/tiny-starchat.q5_0.gguf",
        "gguf/tiny-starchat.q5_1.gguf", "gguf/tiny-starchat.q8_0.gguf", "gguf/small-starchat.q2_k.gguf", "gguf/small-starchat.q3_k_m.gguf",
        "ggml/tiny-starchat.ggmlv3.f16.bin", "ggml/tiny-starchat.ggmlv3.q4_0.bin", "ggml/tiny-starchat.ggmlv3.q5_1.bin", "ggml/tiny-starchat.ggmlv3.q8_0.bin",
        "tiny-starchat", "tiny-starchat-bf16", "tiny-starchat-f16-bin", "tiny-starchat-8bit", "tiny-starchat-gptq", "tiny-starchat-gptq-actorder",
        "tiny-starchat-lora", "tiny-starchat/model.safetensors", "tiny-starchat-f16-bin/pytorch_model.bin",
        "tiny-starchat-bf16/model-00001-of-00002.safetensors", "tiny-starchat-lora/adapter_model.safetensors",
    ];

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = StarChatCli.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Theory, MemberData(nameof(Fixtures))]
    public void Info_EveryFixtureAsJson_ListsEveryTensorWithConsistentBytes(string relative)
    {
        var (code, output, error) = Run("info", SharedPaths.Fixtures(relative), "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        var tensors = root.GetProperty("tensors").EnumerateArray().ToList();
        Assert.NotEmpty(tensors);
        Assert.Equal(tensors.Count, root.GetProperty("tensor_count").GetInt32());
        Assert.Equal(tensors.Sum(t => t.GetProperty("bytes").GetInt64()), root.GetProperty("total_bytes").GetInt64());
        foreach (var t in tensors)
        {
            Assert.False(string.IsNullOrEmpty(t.GetProperty("name").GetString()));
            Assert.False(string.IsNullOrEmpty(t.GetProperty("type").GetString()));
            Assert.Equal(JsonValueKind.Array, t.GetProperty("shape").ValueKind);
        }
    }

    [Theory, MemberData(nameof(Fixtures))]
    public void Info_EveryFixtureAsTables_PrintsSectionsAndEveryTensor(string relative)
    {
        var (code, output, error) = Run("info", SharedPaths.Fixtures(relative));
        Assert.True(code == 0, error);
        Assert.Empty(error);
        Assert.Contains("Tensors", output, StringComparison.Ordinal);
        Assert.Contains("Tokenizer", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_TinyQ4Gguf_ReportsHyperParametersTokenizerAndTypes()
    {
        var (code, output, _) = Run("info", SharedPaths.Fixtures("gguf", "tiny-starchat.q4_0.gguf"), "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("gguf", root.GetProperty("format").GetString());
        Assert.Equal("starcoder", root.GetProperty("architecture").GetString());
        Assert.Equal("MOSTLY_Q4_0", root.GetProperty("file_type").GetString());
        var h = root.GetProperty("hyper_parameters");
        Assert.Equal((49156, 512, 64, 2, 4, 1, 256), (h.GetProperty("vocab_size").GetInt32(), h.GetProperty("n_positions").GetInt32(),
            h.GetProperty("n_embd").GetInt32(), h.GetProperty("n_layer").GetInt32(), h.GetProperty("n_head").GetInt32(),
            h.GetProperty("n_head_kv").GetInt32(), h.GetProperty("n_inner").GetInt32()));
        var tok = root.GetProperty("tokenizer");
        Assert.Equal(49156, tok.GetProperty("size").GetInt32());
        Assert.True(tok.GetProperty("chat_template").GetBoolean());
        Assert.Equal(23, tok.GetProperty("special_tokens").GetArrayLength());
        var qkv = root.GetProperty("tensors").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "blk.0.attn_qkv.weight");
        Assert.Equal("q4_0", qkv.GetProperty("type").GetString());
        Assert.Equal("transformer.h.0.attn.c_attn.weight", qkv.GetProperty("hf_name").GetString());
        Assert.Equal([96L, 64L], qkv.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(96 * 64 / 32 * 18, qkv.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public void Info_LegacyFile_ReportsQuantizationVersion()
    {
        var (code, output, _) = Run("info", SharedPaths.Fixtures("ggml", "tiny-starchat.ggmlv3.q4_0.bin"), "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("2", doc.RootElement.GetProperty("properties").GetProperty("ggml.quantization_version").GetString());
        Assert.StartsWith("MOSTLY_Q4_0", doc.RootElement.GetProperty("file_type").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Info_NotAModelFile_OneLineErrorAndExitCode2()
    {
        var (code, output, error) = Run("info", SharedPaths.Fixtures("prompts", "hello.txt"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Empty(output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains("hello.txt", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Info_MissingPath_ExitCode2()
    {
        var (code, _, error) = Run("info", Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N")));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }
}
