using StarChat.Formats.HuggingFace;

namespace StarChat.Formats.Hub;

/// <summary>
/// Which files of a repository a model needs, in the order <c>HfModelReader</c> looks for weights: the
/// configuration and tokenizer files that exist, then <c>model.safetensors.index.json</c> (and only the shards it
/// names), else <c>model.safetensors</c>, else a single other root <c>*.safetensors</c>, else
/// <c>pytorch_model.bin.index.json</c> (and its shards), else <c>pytorch_model.bin</c>. A GGUF id takes its one file.
/// A PEFT adapter repository (<c>adapter_config.json</c> and no <c>config.json</c>) takes that file and
/// <c>adapter_model.safetensors</c>, else <c>adapter_model.bin</c>.
/// </summary>
public sealed class HubFileSelection
{
    /// <summary>Small files fetched whenever the repository has them.</summary>
    public static IReadOnlyList<string> MetadataFiles { get; } =
    [
        "config.json", "generation_config.json",
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt", "added_tokens.json",
        "chat_template.jinja", "dialogue_template.json",
    ];

    /// <summary>What marks a PEFT adapter repository.</summary>
    public const string AdapterConfig = "adapter_config.json";

    private readonly Dictionary<string, HubFileEntry> _byPath;

    /// <summary>Chooses the files of <paramref name="info"/> that <paramref name="id"/> needs.</summary>
    /// <exception cref="HubException">A named GGUF file, config.json or the weights are missing from the repository.</exception>
    public HubFileSelection(HubRepoInfo info, HubModelId id)
    {
        _byPath = info.Files.GroupBy(f => f.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        string where = $"{info.RepoId}@{id.Revision}";
        if (id.FileName is { } gguf)
        {
            Initial = _byPath.TryGetValue(gguf, out var file)
                ? [file]
                : throw new HubException(HubErrorKind.NotFound, $"{where}: no file '{gguf}'{GgufList()}");
            return;
        }
        if (!_byPath.ContainsKey("config.json") && _byPath.TryGetValue(AdapterConfig, out var adapterConfig))
        {
            var weights = _byPath.GetValueOrDefault("adapter_model.safetensors") ?? _byPath.GetValueOrDefault("adapter_model.bin")
                ?? throw new HubException(HubErrorKind.NotFound, $"{where}: a PEFT adapter without adapter_model.safetensors or adapter_model.bin");
            Initial = [adapterConfig, weights];
            return;
        }
        if (!_byPath.ContainsKey("config.json"))
        {
            throw new HubException(HubErrorKind.NotFound, GgufFiles().Any()
                ? $"{where} has no config.json, only GGUF files: name one as {info.RepoId}/FILE.gguf{GgufList()}"
                : $"{where} has no config.json: not a Transformers model repository");
        }
        var initial = MetadataFiles.Where(_byPath.ContainsKey).Select(p => _byPath[p]).ToList();
        var roots = info.Files.Where(f => !f.Path.Contains('/', StringComparison.Ordinal)).Select(f => f.Path).ToList();
        var otherSafetensors = roots.Where(p => p.EndsWith(".safetensors", StringComparison.Ordinal)).ToList();
        if (_byPath.TryGetValue("model.safetensors.index.json", out var index))
            Index = index;
        else if (_byPath.TryGetValue("model.safetensors", out var single))
            initial.Add(single);
        else if (otherSafetensors.Count == 1)
            initial.Add(_byPath[otherSafetensors[0]]);
        else if (_byPath.TryGetValue("pytorch_model.bin.index.json", out var binIndex))
            Index = binIndex;
        else if (_byPath.TryGetValue("pytorch_model.bin", out var bin))
            initial.Add(bin);
        else
            throw new HubException(HubErrorKind.NotFound, $"{where}: no model.safetensors, shard index or pytorch_model.bin{GgufList()}");
        if (Index is not null)
            initial.Add(Index);
        Initial = initial;
    }

    /// <summary>Files to fetch first (the shard index last among them, when there is one).</summary>
    public IReadOnlyList<HubFileEntry> Initial { get; }

    /// <summary>The shard index, when the weights are sharded.</summary>
    public HubFileEntry? Index { get; }

    /// <summary>The shards the downloaded index at <paramref name="indexPath"/> names (none without an index).</summary>
    /// <exception cref="HubException">The index names a shard the repository lacks.</exception>
    public IEnumerable<HubFileEntry> Shards(string indexPath)
    {
        if (Index is null)
            return [];
        return HfShardIndex.Read(indexPath).Shards.Select(shard => _byPath.TryGetValue(shard, out var entry)
            ? entry
            : throw new HubException(HubErrorKind.NotFound, $"{Index.Path} names shard '{shard}', which the repository does not have")).ToList();
    }

    private IEnumerable<string> GgufFiles() => _byPath.Keys.Where(p => p.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal);

    private string GgufList()
    {
        var files = GgufFiles().Take(8).ToList();
        return files.Count == 0 ? "" : $" (GGUF files: {string.Join(", ", files)})";
    }
}
