using System.Globalization;
using System.Text.Json;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;
using StarChat.Formats.GptBigCode;
using StarChat.Formats.IO;
using StarChat.Formats.PyTorch;
using StarChat.Formats.Safetensors;
using StarChat.Formats.Tokenizers;

namespace StarChat.Formats.HuggingFace;

/// <summary>
/// Hugging Face checkpoints: a folder (config.json + safetensors or pytorch_model.bin, single or sharded, or a PEFT
/// LoRA adapter), or one safetensors / .bin file. Tensor names are already canonical. Vocabulary and context sizes
/// come from the embedding tensors (formats.md §2.1); every other shape is checked against the config.
/// </summary>
internal static class HfModelReader
{
    private sealed record WeightFiles(ModelFormat Format, List<string> Files, HfShardIndex? Index);

    public static LoadedModel OpenFolder(string folder)
    {
        string configPath = Path.Combine(folder, "config.json");
        string adapterConfigPath = Path.Combine(folder, "adapter_config.json");
        bool isAdapter = !File.Exists(configPath) && File.Exists(adapterConfigPath);
        if (!isAdapter && !File.Exists(configPath))
            throw new ModelFormatException(folder, "config.json", "not found: not a Hugging Face model folder (nor a PEFT adapter folder with adapter_config.json)");
        var files = FindWeights(folder, isAdapter);
        var weights = new ModelWeights(folder);
        try
        {
            var (fileTensors, properties) = OpenFiles(folder, files, weights);
            var notes = new List<string>();
            GptBigCodeConfig? config = null;
            string? quant = null;
            if (isAdapter)
            {
                properties.AddRange(AdapterProperties(adapterConfigPath));
                notes.Add("PEFT LoRA adapter: tensors only; the base model's hyper-parameters are in the base model's folder");
            }
            else
            {
                var hf = HfConfig.Read(configPath, Path.Combine(folder, "generation_config.json"));
                quant = hf.QuantDescription;
                config = Resolve(folder, hf, Shapes(weights), notes, strict: true);
            }
            var tokenizer = HuggingFaceTokenizerFiles.Find(folder);
            return new LoadedModel(folder, files.Format, true, files.Files, config, quant ?? DTypeSummary(fileTensors), tokenizer,
                fileTensors, weights, null, properties, notes);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>One safetensors or PyTorch file; config.json and tokenizer files beside it are used when present.</summary>
    public static LoadedModel OpenFile(string path, ModelFormat format)
    {
        var source = ByteSource.OpenFile(path);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        string configPath = Path.Combine(folder, "config.json");
        var hf = File.Exists(configPath) && format is ModelFormat.Safetensors or ModelFormat.PyTorch
            ? TryReadConfig(configPath, Path.Combine(folder, "generation_config.json"))
            : null;
        return LoadFile(source, format, hf, HuggingFaceTokenizerFiles.Find(folder));
    }

    /// <summary>One file from a byte source (also the fuzz tests' entry point); <paramref name="hf"/> is the config beside it, if any.</summary>
    internal static LoadedModel LoadFile(ByteSource source, ModelFormat format, HfConfig? hf = null, TokenizerSource? tokenizer = null)
    {
        string origin = source.Origin;
        var weights = new ModelWeights(origin);
        weights.Own(source);
        try
        {
            var properties = new List<KeyValuePair<string, string>>();
            var fileTensors = AddTensors(source, format, weights, properties, shardName: null, expected: null);
            var notes = new List<string>();
            var shapes = Shapes(weights);
            GptBigCodeConfig? config;
            if (hf is not null)
            {
                config = Resolve(origin, hf, shapes, notes, strict: false);
            }
            else
            {
                config = GptBigCodeLayout.Infer(shapes);
                if (config is null)
                    notes.Add("no config.json beside the file and the tensors do not describe a multi-query GPTBigCode model");
                else
                {
                    notes.Add("no config.json beside the file: hyper-parameters inferred from tensor shapes (eps 1e-5)");
                    config = Complete(origin, config, shapes, notes);
                }
            }
            return new LoadedModel(origin, format, false, [origin], config, hf?.QuantDescription ?? DTypeSummary(fileTensors), tokenizer,
                fileTensors, weights, null, properties, notes);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    private static HfConfig? TryReadConfig(string configPath, string generationPath)
    {
        // A config.json of another architecture beside a bare file is not an error for the file itself.
        try
        {
            return HfConfig.Read(configPath, generationPath);
        }
        catch (ModelFormatException e) when (e.Field == "model_type")
        {
            return null;
        }
    }

    private static GptBigCodeConfig? Resolve(string origin, HfConfig hf, Dictionary<string, TensorShape> shapes, List<string> notes, bool strict)
    {
        int? vocab = GptBigCodeLayout.Rows(shapes, GptBigCodeNames.TokenEmbedding);
        int? positions = GptBigCodeLayout.Rows(shapes, GptBigCodeNames.PositionEmbedding);
        if (vocab is { } v && hf.VocabSize is { } cv && v != cv)
            notes.Add($"config vocab_size {cv} differs from transformer.wte.weight rows {v}; using {v}");
        if (positions is { } p && hf.ContextLength is { } cp && p != cp)
            notes.Add($"config n_positions {cp} differs from transformer.wpe.weight rows {p}; using {p}");
        var config = new GptBigCodeConfig
        {
            VocabSize = vocab ?? hf.VocabSize ?? 50257,
            ContextLength = positions ?? hf.ContextLength ?? 1024,
            EmbeddingSize = hf.EmbeddingSize,
            LayerCount = hf.LayerCount,
            HeadCount = hf.HeadCount,
            KvHeadCount = hf.MultiQuery ? 1 : hf.HeadCount,
            FeedForwardSize = hf.FeedForwardSize ?? (int)Math.Min(4L * hf.EmbeddingSize, int.MaxValue),
            LayerNormEpsilon = hf.LayerNormEpsilon,
            Activation = hf.Activation,
            ScaleAttentionWeights = hf.ScaleAttentionWeights,
            TieWordEmbeddings = hf.TieWordEmbeddings,
            BosTokenId = hf.BosTokenId,
            EosTokenIds = hf.EosTokenIds,
        };
        if (!strict && !GptBigCodeLayout.HasRoomForLayers(config, shapes.Count))
        {
            notes.Add($"not a complete model: {shapes.Count} tensors cannot hold {config.LayerCount} layers (one shard of a sharded checkpoint?)");
            return null;
        }
        GptBigCodeLayout.Validate(origin, config, shapes.Count);
        var missing = GptBigCodeLayout.Check(origin, config, shapes);
        if (missing.Count == 0)
            return config;
        if (strict)
            throw new ModelFormatException(origin, $"tensor '{missing[0]}'", $"required tensor is missing ({missing.Count} missing in all)");
        notes.Add($"not a complete model: {missing.Count} tensors missing, e.g. {missing[0]} (one shard of a sharded checkpoint?)");
        return null;
    }

    private static GptBigCodeConfig? Complete(string origin, GptBigCodeConfig config, Dictionary<string, TensorShape> shapes, List<string> notes)
    {
        if (!GptBigCodeLayout.HasRoomForLayers(config, shapes.Count))
        {
            notes.Add($"not a complete model: {shapes.Count} tensors cannot hold the {config.LayerCount} layers found");
            return null;
        }
        GptBigCodeLayout.Validate(origin, config, shapes.Count);
        var missing = GptBigCodeLayout.Check(origin, config, shapes);
        if (missing.Count == 0)
            return config;
        notes.Add($"not a complete model: {missing.Count} tensors missing, e.g. {missing[0]}");
        return null;
    }

    private static WeightFiles FindWeights(string folder, bool isAdapter)
    {
        string P(string name) => Path.Combine(folder, name);
        if (isAdapter)
        {
            if (File.Exists(P("adapter_model.safetensors"))) return new(ModelFormat.Safetensors, [P("adapter_model.safetensors")], null);
            if (File.Exists(P("adapter_model.bin"))) return new(ModelFormat.PyTorch, [P("adapter_model.bin")], null);
            throw new ModelFormatException(folder, "adapter_model.safetensors", "adapter weights not found");
        }
        // Prefer safetensors when both kinds exist (formats.md §5).
        if (File.Exists(P("model.safetensors.index.json"))) return Sharded(folder, P("model.safetensors.index.json"), ModelFormat.Safetensors);
        if (File.Exists(P("model.safetensors"))) return new(ModelFormat.Safetensors, [P("model.safetensors")], null);
        var others = Directory.GetFiles(folder, "*.safetensors").Order(StringComparer.Ordinal).ToList();
        if (others.Count == 1) return new(ModelFormat.Safetensors, others, null); // e.g. AutoGPTQ's gptq_model-4bit-32g.safetensors
        if (File.Exists(P("pytorch_model.bin.index.json"))) return Sharded(folder, P("pytorch_model.bin.index.json"), ModelFormat.PyTorch);
        if (File.Exists(P("pytorch_model.bin"))) return new(ModelFormat.PyTorch, [P("pytorch_model.bin")], null);
        throw new ModelFormatException(folder, "weights", others.Count > 1
            ? $"{others.Count} .safetensors files and no model.safetensors.index.json to say which hold the model"
            : "no model.safetensors, shard index or pytorch_model.bin found");
    }

    private static WeightFiles Sharded(string folder, string indexPath, ModelFormat format)
    {
        var index = HfShardIndex.Read(indexPath);
        var files = new List<string>();
        foreach (var shard in index.Shards)
        {
            string path = Path.Combine(folder, shard);
            if (!File.Exists(path))
                throw new ModelFormatException(indexPath, "weight_map", $"shard '{shard}' does not exist in {folder}");
            files.Add(path);
        }
        return new(format, files, index);
    }

    private static (List<TensorView>, List<KeyValuePair<string, string>>) OpenFiles(string folder, WeightFiles files, ModelWeights weights)
    {
        var fileTensors = new List<TensorView>();
        var properties = new List<KeyValuePair<string, string>>();
        foreach (var file in files.Files)
        {
            var source = ByteSource.OpenFile(file);
            weights.Own(source);
            fileTensors.AddRange(AddTensors(source, files.Format, weights, properties, Path.GetFileName(file), files.Index));
        }
        if (files.Index is { } index)
        {
            foreach (var name in index.WeightMap.Keys)
                if (!weights.Contains(name))
                    throw new ModelFormatException(folder, $"tensor '{name}'", $"listed in the shard index for '{index.WeightMap[name]}' but not found there");
            long total = fileTensors.Sum(t => t.ByteLength);
            properties.Add(new("shards", files.Files.Count.ToString(CultureInfo.InvariantCulture)));
            if (index.TotalSize is { } declared && declared != total)
                properties.Add(new("index total_size", $"{declared} (tensors hold {total})"));
        }
        return (fileTensors, properties);
    }

    private static List<TensorView> AddTensors(ByteSource source, ModelFormat format, ModelWeights weights,
        List<KeyValuePair<string, string>> properties, string? shardName, HfShardIndex? expected)
    {
        var views = new List<TensorView>();
        if (format == ModelFormat.Safetensors)
        {
            var file = SafetensorsFile.Open(source, ownsSource: false);
            foreach (var (key, value) in file.Metadata)
                properties.Add(new($"safetensors metadata {key}", value));
            foreach (var info in file.Tensors)
                views.Add(file.View(info));
        }
        else
        {
            var checkpoint = PyTorchCheckpoint.Open(source, ownsSource: false);
            weights.Own(checkpoint);
            views.AddRange(checkpoint.Tensors);
            if (checkpoint.SkippedEntries.Count > 0)
                properties.Add(new("non-tensor state dict entries", string.Join(", ", checkpoint.SkippedEntries)));
        }
        foreach (var view in views)
        {
            if (weights.Contains(view.Name))
                throw new ModelFormatException(source.Origin, $"tensor '{view.Name}'", "also present in another shard");
            if (expected is not null && (!expected.WeightMap.TryGetValue(view.Name, out var shard) || shard != shardName))
                throw new ModelFormatException(source.Origin, $"tensor '{view.Name}'", "not listed for this shard in the shard index");
            weights.Add(view.Name, view);
        }
        return views;
    }

    private static Dictionary<string, TensorShape> Shapes(ModelWeights weights)
        => weights.Names.ToDictionary(n => n, n => weights.Get(n).Shape, StringComparer.Ordinal);

    private static string DTypeSummary(List<TensorView> tensors)
        => tensors.Count == 0 ? "empty"
            : string.Join(" + ", tensors.GroupBy(t => t.Type).OrderByDescending(g => g.Sum(t => t.ByteLength)).Select(g => TensorTypeInfo.Name(g.Key).ToUpperInvariant()));

    private static IEnumerable<KeyValuePair<string, string>> AdapterProperties(string path)
    {
        using var doc = JsonFiles.Parse(path);
        foreach (var key in new[] { "peft_type", "r", "lora_alpha", "target_modules", "base_model_name_or_path", "fan_in_fan_out", "use_rslora", "use_dora" })
        {
            if (doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null)
                yield return new($"adapter {key}", v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText());
        }
    }
}
