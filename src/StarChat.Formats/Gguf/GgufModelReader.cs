using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;
using StarChat.Formats.GptBigCode;
using StarChat.Formats.IO;
using StarChat.Formats.Tokenizers;

namespace StarChat.Formats.Gguf;

/// <summary>Turns a GGUF file of architecture <c>starcoder</c> into a <see cref="LoadedModel"/> (formats.md §7.5, §7.6).</summary>
internal static class GgufModelReader
{
    public static LoadedModel Load(ByteSource source)
    {
        var weights = new ModelWeights(source.Origin);
        weights.Own(source);
        try
        {
            var gguf = GgufFile.Open(source, ownsSource: false);
            return Build(gguf, weights);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    private static LoadedModel Build(GgufFile gguf, ModelWeights weights)
    {
        string origin = gguf.Origin;
        var meta = gguf.Metadata;
        string arch = meta.GetStringOrNull("general.architecture")
            ?? throw new ModelFormatException(origin, "metadata 'general.architecture'", "required key is missing");
        if (arch != "starcoder")
            throw new ModelFormatException(origin, "metadata 'general.architecture'", $"'{arch}' is not supported; StarCoder-family GGUFs use 'starcoder'");

        var fileTensors = new List<TensorView>(gguf.Tensors.Count);
        var shapes = new Dictionary<string, TensorShape>(StringComparer.Ordinal);
        foreach (var info in gguf.Tensors)
        {
            fileTensors.Add(gguf.View(info));
            string name = GptBigCodeNames.FromGguf(info.Name) ?? info.Name;
            if (!shapes.TryAdd(name, info.Shape))
                throw new ModelFormatException(origin, $"tensor '{info.Name}'", $"maps to '{name}', which another tensor already provides", info.InfoOffset);
            weights.Add(name, gguf.View(info, name));
        }

        var notes = new List<string>();
        var config = ReadConfig(origin, meta, shapes, notes);
        var missing = GptBigCodeLayout.Check(origin, config, shapes);
        if (missing.Count > 0)
            throw new ModelFormatException(origin, $"tensor '{GptBigCodeNames.ToGguf(missing[0]) ?? missing[0]}'", $"required tensor is missing ({missing.Count} missing in all)");

        var tokenizer = GgufTokenizerData.FromMetadata(origin, meta);
        if (tokenizer is not null && tokenizer.Tokens.Count > config.VocabSize)
            throw new ModelFormatException(origin, "metadata 'tokenizer.ggml.tokens'", $"{tokenizer.Tokens.Count} tokens but token_embd has only {config.VocabSize} rows");
        if (tokenizer is not null)
            config = config with { BosTokenId = tokenizer.BosTokenId ?? config.BosTokenId, EosTokenIds = tokenizer.EosTokenId is { } eos ? [eos] : config.EosTokenIds };

        var properties = new List<KeyValuePair<string, string>>
        {
            new("gguf.version", gguf.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("gguf.alignment", gguf.Alignment.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("gguf.data_offset", gguf.DataOffset.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        foreach (var key in new[] { "general.name", "general.size_label", "general.quantization_version" })
            if (meta.TryGetValue(key, out var v)) properties.Add(new(key, v.ToString()));

        string fileType = GgufFileTypes.Describe(meta.GetIntegerOrNull("general.file_type"));
        return new LoadedModel(origin, ModelFormat.Gguf, false, [origin], config, fileType, tokenizer, fileTensors, weights, meta, properties, notes);
    }

    private static GptBigCodeConfig ReadConfig(string origin, GgufMetadata meta, Dictionary<string, TensorShape> shapes, List<string> notes)
    {
        const string p = "starcoder.";
        int embd = (int)meta.GetInteger(p + "embedding_length", 1, int.MaxValue);
        int layers = (int)meta.GetInteger(p + "block_count", 1, 1 << 20);
        int heads = (int)meta.GetInteger(p + "attention.head_count", 1, int.MaxValue);
        int kvHeads = (int)(meta.GetIntegerOrNull(p + "attention.head_count_kv", 1, int.MaxValue) ?? 1);
        double eps = meta.GetFloatOrNull(p + "attention.layer_norm_epsilon") ?? 1e-5;
        if (!(eps > 0 && eps < 1))
            throw new ModelFormatException(origin, $"metadata '{p}attention.layer_norm_epsilon'", $"{eps} is not a small positive number");

        // Sizes come from the tensors (formats.md §2.1: "size the embedding from the tensor"); the keys are checked against them.
        int vocab = GptBigCodeLayout.Rows(shapes, GptBigCodeNames.TokenEmbedding)
            ?? throw new ModelFormatException(origin, "tensor 'token_embd.weight'", "required tensor is missing or empty");
        int positions = GptBigCodeLayout.Rows(shapes, GptBigCodeNames.PositionEmbedding)
            ?? throw new ModelFormatException(origin, "tensor 'position_embd.weight'", "required tensor is missing or empty");
        int ffn = GptBigCodeLayout.Rows(shapes, GptBigCodeNames.Layer(0, "mlp.c_fc", "weight"))
            ?? throw new ModelFormatException(origin, "tensor 'blk.0.ffn_up.weight'", "required tensor is missing or empty");
        long? context = meta.GetIntegerOrNull(p + "context_length", 1, long.MaxValue);
        if (context is { } ctx && ctx != positions)
            notes.Add($"{p}context_length is {ctx} but position_embd has {positions} rows; using {positions}");
        long? ffKey = meta.GetIntegerOrNull(p + "feed_forward_length", 1, long.MaxValue);
        if (ffKey is { } ff && ff != ffn)
            notes.Add($"{p}feed_forward_length is {ff} but ffn_up has {ffn} rows; using {ffn}");

        var config = new GptBigCodeConfig
        {
            VocabSize = vocab,
            ContextLength = positions,
            EmbeddingSize = embd,
            LayerCount = layers,
            HeadCount = heads,
            KvHeadCount = kvHeads,
            FeedForwardSize = ffn,
            LayerNormEpsilon = (float)eps,
            TieWordEmbeddings = !shapes.ContainsKey(GptBigCodeNames.OutputHead),
        };
        GptBigCodeLayout.Validate(origin, config, shapes.Count);
        int extraLayer = config.LayerCount;
        if (shapes.ContainsKey(GptBigCodeNames.Layer(extraLayer, "ln_1", "weight")))
            throw new ModelFormatException(origin, $"metadata '{p}block_count'", $"{layers} but the file has tensors for layer {extraLayer}");
        return config;
    }
}
