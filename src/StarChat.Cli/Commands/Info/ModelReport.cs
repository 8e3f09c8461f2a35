using System.Text.Json.Serialization;
using StarChat.Engine.Tensors;
using StarChat.Formats;
using StarChat.Formats.GptBigCode;

namespace StarChat.Cli.Commands.Info;

/// <summary>What <c>starchat info</c> prints, as plain data: the human table and <c>--json</c> render the same report.</summary>
internal sealed record ModelReport
{
    [JsonPropertyName("path")] public required string Path { get; init; }
    [JsonPropertyName("format")] public required string Format { get; init; }
    [JsonPropertyName("folder")] public bool Folder { get; init; }
    [JsonPropertyName("files")] public required IReadOnlyList<string> Files { get; init; }
    [JsonPropertyName("architecture")] public string? Architecture { get; init; }
    [JsonPropertyName("file_type")] public required string FileType { get; init; }
    [JsonPropertyName("hyper_parameters")] public HyperParameters? HyperParameters { get; init; }
    [JsonPropertyName("tokenizer")] public TokenizerReport? Tokenizer { get; init; }
    [JsonPropertyName("properties")] public required IReadOnlyDictionary<string, string> Properties { get; init; }
    [JsonPropertyName("notes")] public required IReadOnlyList<string> Notes { get; init; }
    [JsonPropertyName("tensor_count")] public int TensorCount => Tensors.Count;
    [JsonPropertyName("total_bytes")] public long TotalBytes => Tensors.Sum(t => t.Bytes);
    [JsonPropertyName("tensors")] public required IReadOnlyList<TensorRow> Tensors { get; init; }

    public static ModelReport From(LoadedModel model)
    {
        var c = model.Config;
        var t = model.Tokenizer?.Summarize();
        return new ModelReport
        {
            Path = model.Path,
            Format = model.Format switch
            {
                ModelFormat.Gguf => "gguf",
                ModelFormat.GgmlLegacy => "ggml (legacy)",
                ModelFormat.PyTorch => "pytorch",
                _ => "safetensors",
            },
            Folder = model.IsFolder,
            Files = model.WeightFiles,
            Architecture = c is null ? null : model.GgufMetadata?.GetStringOrNull("general.architecture") ?? "gpt_bigcode",
            FileType = model.FileType,
            HyperParameters = c is null ? null : new HyperParameters
            {
                VocabSize = c.VocabSize,
                ContextLength = c.ContextLength,
                EmbeddingSize = c.EmbeddingSize,
                LayerCount = c.LayerCount,
                HeadCount = c.HeadCount,
                KvHeadCount = c.KvHeadCount,
                HeadDim = c.HeadDim,
                FeedForwardSize = c.FeedForwardSize,
                LayerNormEpsilon = c.LayerNormEpsilon,
                Activation = c.Activation,
                TieWordEmbeddings = c.TieWordEmbeddings,
                BosTokenId = c.BosTokenId,
                EosTokenIds = c.EosTokenIds,
            },
            Tokenizer = t is null ? null : new TokenizerReport
            {
                Source = t.Source,
                Model = t.Model,
                PreTokenizer = t.PreTokenizer,
                Size = t.Size,
                MergeCount = t.MergeCount,
                ChatTemplate = t.HasChatTemplate,
                SpecialTokens = [.. t.SpecialTokens.Select(s => new SpecialTokenRow(s.Id, s.Text, s.Roles))],
            },
            Properties = model.Properties.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value),
            Notes = model.Notes,
            Tensors = [.. model.FileTensors.Select(v => new TensorRow(v.Name, CanonicalName(model.Format, v.Name), TensorTypeInfo.Name(v.Type), [.. v.Shape.Dims], v.ByteLength))],
        };
    }

    private static string? CanonicalName(ModelFormat format, string name) => format switch
    {
        ModelFormat.Gguf => GptBigCodeNames.FromGguf(name),
        ModelFormat.GgmlLegacy => GptBigCodeNames.FromGgml(name),
        _ => null,
    };
}

internal sealed record HyperParameters
{
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }
    [JsonPropertyName("n_positions")] public int ContextLength { get; init; }
    [JsonPropertyName("n_embd")] public int EmbeddingSize { get; init; }
    [JsonPropertyName("n_layer")] public int LayerCount { get; init; }
    [JsonPropertyName("n_head")] public int HeadCount { get; init; }
    [JsonPropertyName("n_head_kv")] public int KvHeadCount { get; init; }
    [JsonPropertyName("head_dim")] public int HeadDim { get; init; }
    [JsonPropertyName("n_inner")] public int FeedForwardSize { get; init; }
    [JsonPropertyName("layer_norm_epsilon")] public float LayerNormEpsilon { get; init; }
    [JsonPropertyName("activation_function")] public required string Activation { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; }
    [JsonPropertyName("bos_token_id")] public int BosTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public required IReadOnlyList<int> EosTokenIds { get; init; }
}

internal sealed record TokenizerReport
{
    [JsonPropertyName("source")] public required string Source { get; init; }
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("pre")] public string? PreTokenizer { get; init; }
    [JsonPropertyName("size")] public int Size { get; init; }
    [JsonPropertyName("merges")] public int? MergeCount { get; init; }
    [JsonPropertyName("chat_template")] public bool ChatTemplate { get; init; }
    [JsonPropertyName("special_tokens")] public required IReadOnlyList<SpecialTokenRow> SpecialTokens { get; init; }
}

internal sealed record SpecialTokenRow(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("roles")] IReadOnlyList<string> Roles);

internal sealed record TensorRow(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("hf_name")] string? HfName,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("shape")] IReadOnlyList<long> Shape,
    [property: JsonPropertyName("bytes")] long Bytes);
