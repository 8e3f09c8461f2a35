using System.Text.Json;
using StarChat.Testing;

namespace StarChat.Engine.Tests.Quantization.Fixtures;

/// <summary>The fixture files these tests read, and the per-file entries of <c>fixtures/expected.json</c>.</summary>
internal static class FixtureFiles
{
    /// <summary>Every shipped GGUF whose non-F32 tensors <c>expected.json</c> describes (paths relative to fixtures/).</summary>
    public static readonly string[] Gguf =
    [
        "gguf/tiny-starchat.f16.gguf",
        "gguf/tiny-starchat.q8_0.gguf",
        "gguf/tiny-starchat.q5_1.gguf",
        "gguf/tiny-starchat.q5_0.gguf",
        "gguf/tiny-starchat.q4_1.gguf",
        "gguf/tiny-starchat.q4_0.gguf",
        "gguf/small-starchat.q3_k_m.gguf",
        "gguf/small-starchat.q2_k.gguf",
    ];

    private static readonly Lazy<JsonDocument> s_expected =
        new(() => JsonDocument.Parse(File.ReadAllBytes(SharedPaths.Fixtures("expected.json"))));

    /// <summary><c>expected.json</c> → <c>files[path]</c>.</summary>
    public static JsonElement Manifest(string relativePath) => s_expected.Value.RootElement.GetProperty("files").GetProperty(relativePath);

    /// <summary>The tensors of a fixture GGUF, located by the test-only header walk.</summary>
    public static (byte[] File, Dictionary<string, GgufTensor> Tensors) OpenGguf(string relativePath)
    {
        byte[] file = File.ReadAllBytes(SharedPaths.Fixtures(relativePath.Split('/')));
        return (file, GgufTensorLocator.Read(file));
    }

    /// <summary>HF name of the source weight of a GGUF tensor (fixtures/README.md §2), or null for unmapped names.</summary>
    public static string? HuggingFaceName(string ggufName)
    {
        if (ggufName == "token_embd.weight")
            return "transformer.wte.weight";
        if (ggufName == "position_embd.weight")
            return "transformer.wpe.weight";
        string[] parts = ggufName.Split('.');
        if (parts is not ["blk", var layer, var tensor, "weight"])
            return null;
        string? hf = tensor switch
        {
            "attn_qkv" => "attn.c_attn",
            "attn_output" => "attn.c_proj",
            "ffn_up" => "mlp.c_fc",
            "ffn_down" => "mlp.c_proj",
            _ => null,
        };
        return hf is null ? null : $"transformer.h.{layer}.{hf}.weight";
    }
}
