using System.Text.Json;
using StarChat.Formats.IO;

namespace StarChat.Formats.HuggingFace;

/// <summary>
/// The fields of a GPTBigCode <c>config.json</c> (formats.md §2.1) with the transformers defaults and aliases
/// (<c>hidden_size</c>, <c>num_hidden_layers</c>, <c>num_attention_heads</c>, <c>max_position_embeddings</c>), plus
/// bos/eos from <c>generation_config.json</c>. Vocabulary and context sizes are finally taken from the tensors.
/// </summary>
internal sealed record HfConfig
{
    public int? VocabSize { get; init; }
    public int? ContextLength { get; init; }
    public required int EmbeddingSize { get; init; }
    public required int LayerCount { get; init; }
    public required int HeadCount { get; init; }
    public int? FeedForwardSize { get; init; }
    public bool MultiQuery { get; init; } = true;
    public float LayerNormEpsilon { get; init; } = 1e-5f;
    public string Activation { get; init; } = "gelu_pytorch_tanh";
    public bool ScaleAttentionWeights { get; init; } = true;
    public bool TieWordEmbeddings { get; init; } = true;
    public int BosTokenId { get; init; } = 50256;
    public IReadOnlyList<int> EosTokenIds { get; init; } = [50256];
    public string? TorchDtype { get; init; }
    public string? QuantMethod { get; init; }
    public string? QuantDescription { get; init; }

    /// <summary>Reads <paramref name="configPath"/> and, when it exists, <paramref name="generationConfigPath"/>.</summary>
    /// <exception cref="ModelFormatException">Malformed JSON, a field of the wrong type, or not a GPTBigCode config.</exception>
    public static HfConfig Read(string configPath, string? generationConfigPath)
    {
        bool hasGeneration = generationConfigPath is not null && File.Exists(generationConfigPath);
        return FromJson(configPath, JsonFiles.ReadBounded(configPath),
            hasGeneration ? generationConfigPath : null, hasGeneration ? JsonFiles.ReadBounded(generationConfigPath!) : null);
    }

    /// <summary>Parses config.json bytes and, when given, generation_config.json bytes (the fuzz tests' entry point).</summary>
    internal static HfConfig FromJson(string configOrigin, byte[] config, string? generationOrigin, byte[]? generation)
    {
        using var doc = JsonFiles.Parse(configOrigin, config);
        var result = Parse(configOrigin, doc.RootElement);
        if (generation is null)
            return result;
        string origin = generationOrigin ?? "generation_config.json";
        using var gen = JsonFiles.Parse(origin, generation);
        return result with
        {
            BosTokenId = JsonFields.Int(origin, gen.RootElement, "bos_token_id") ?? result.BosTokenId,
            EosTokenIds = Ids(origin, gen.RootElement, "eos_token_id") ?? result.EosTokenIds,
        };
    }

    internal static HfConfig Parse(string origin, JsonElement root)
    {
        string? modelType = JsonFields.String(origin, root, "model_type");
        if (modelType is not null && modelType != "gpt_bigcode")
            throw new ModelFormatException(origin, "model_type", $"'{modelType}' is not a GPTBigCode model (gpt_bigcode)");
        int embd = RequiredInt(origin, root, "n_embd", "hidden_size");
        var (quantMethod, quantDescription) = Quantization(root);
        return new HfConfig
        {
            VocabSize = JsonFields.Int(origin, root, "vocab_size"),
            ContextLength = JsonFields.Int(origin, root, "n_positions") ?? JsonFields.Int(origin, root, "max_position_embeddings"),
            EmbeddingSize = embd,
            LayerCount = RequiredInt(origin, root, "n_layer", "num_hidden_layers"),
            HeadCount = RequiredInt(origin, root, "n_head", "num_attention_heads"),
            FeedForwardSize = JsonFields.Int(origin, root, "n_inner"),
            MultiQuery = JsonFields.Bool(origin, root, "multi_query") ?? true,
            LayerNormEpsilon = (float)(JsonFields.Number(origin, root, "layer_norm_epsilon") ?? 1e-5),
            Activation = JsonFields.String(origin, root, "activation_function") ?? "gelu_pytorch_tanh",
            ScaleAttentionWeights = JsonFields.Bool(origin, root, "scale_attn_weights") ?? true,
            TieWordEmbeddings = JsonFields.Bool(origin, root, "tie_word_embeddings") ?? true,
            BosTokenId = JsonFields.Int(origin, root, "bos_token_id") ?? 50256,
            EosTokenIds = Ids(origin, root, "eos_token_id") ?? [50256],
            TorchDtype = JsonFields.String(origin, root, "torch_dtype"),
            QuantMethod = quantMethod,
            QuantDescription = quantDescription,
        };
    }

    private static (string?, string?) Quantization(JsonElement root)
    {
        if (!root.TryGetProperty("quantization_config", out var q) || q.ValueKind != JsonValueKind.Object)
            return (null, null);
        string? method = q.TryGetProperty("quant_method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        var parts = new List<string>();
        foreach (var key in new[] { "bits", "group_size", "desc_act", "load_in_8bit", "load_in_4bit", "bnb_4bit_quant_type" })
        {
            if (q.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.String)
                parts.Add($"{key}={v}");
        }
        return (method, parts.Count == 0 ? method : $"{method} ({string.Join(", ", parts)})");
    }

    private static int RequiredInt(string origin, JsonElement root, string name, string alias)
        => JsonFields.Int(origin, root, name) ?? JsonFields.Int(origin, root, alias)
           ?? throw new ModelFormatException(origin, name, $"missing (also looked for '{alias}')");

    /// <summary>An id given as an integer or a list of integers (generation_config's eos_token_id may be a list).</summary>
    private static int[]? Ids(string origin, JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int single))
            return [single];
        if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() <= 1024)
        {
            var ids = new List<int>();
            foreach (var e in v.EnumerateArray())
                ids.Add(e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int id) ? id
                    : throw new ModelFormatException(origin, name, "list holds a non-integer"));
            return [.. ids];
        }
        throw new ModelFormatException(origin, name, $"expected an integer or a list of integers, found {v.ValueKind}");
    }
}
