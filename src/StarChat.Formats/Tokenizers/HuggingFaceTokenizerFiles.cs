using System.Text.Json;
using StarChat.Formats.HuggingFace;

namespace StarChat.Formats.Tokenizers;

/// <summary>
/// Tokenizer files found beside Hugging Face weights (formats.md §13). Paths are null when the file is absent; the
/// chat template is read from <c>tokenizer_config.json</c> when the folder is opened.
/// </summary>
public sealed record HuggingFaceTokenizerFiles : TokenizerSource
{
    /// <summary>The folder holding the files.</summary>
    public required string Folder { get; init; }

    /// <summary><c>tokenizer.json</c> (the full HF tokenizer: vocab, merges, added tokens).</summary>
    public string? TokenizerJson { get; init; }

    /// <summary><c>tokenizer_config.json</c>.</summary>
    public string? TokenizerConfigJson { get; init; }

    /// <summary><c>special_tokens_map.json</c>.</summary>
    public string? SpecialTokensMapJson { get; init; }

    /// <summary><c>added_tokens.json</c>.</summary>
    public string? AddedTokensJson { get; init; }

    /// <summary><c>vocab.json</c> (slow-tokenizer vocabulary, when there is no tokenizer.json).</summary>
    public string? VocabJson { get; init; }

    /// <summary><c>merges.txt</c> (slow-tokenizer merges).</summary>
    public string? MergesTxt { get; init; }

    /// <summary><c>chat_template</c> from tokenizer_config.json (the <c>default</c> one when it is a list).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Finds the tokenizer files in <paramref name="folder"/>; null when there are none.</summary>
    /// <exception cref="ModelFormatException">tokenizer_config.json is malformed.</exception>
    public static HuggingFaceTokenizerFiles? Find(string folder)
    {
        string? Existing(string name)
        {
            string p = Path.Combine(folder, name);
            return File.Exists(p) ? p : null;
        }
        var files = new HuggingFaceTokenizerFiles
        {
            Folder = folder,
            TokenizerJson = Existing("tokenizer.json"),
            TokenizerConfigJson = Existing("tokenizer_config.json"),
            SpecialTokensMapJson = Existing("special_tokens_map.json"),
            AddedTokensJson = Existing("added_tokens.json"),
            VocabJson = Existing("vocab.json"),
            MergesTxt = Existing("merges.txt"),
        };
        if (files.TokenizerJson is null && files.VocabJson is null)
            return null;
        return files with { ChatTemplate = files.TokenizerConfigJson is { } cfg ? ReadChatTemplate(cfg) : null };
    }

    /// <inheritdoc />
    public override TokenizerSummary Summarize()
    {
        var tokens = new SortedDictionary<int, (string Text, bool Special)>();
        string? model = null;
        int? merges = null;
        if (TokenizerJson is { } path)
        {
            using var doc = JsonFiles.Parse(path);
            var root = doc.RootElement;
            if (root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.Object)
            {
                model = m.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                if (m.TryGetProperty("vocab", out var vocab) && vocab.ValueKind == JsonValueKind.Object)
                    AddVocab(path, vocab, tokens);
                if (m.TryGetProperty("merges", out var mg) && mg.ValueKind == JsonValueKind.Array)
                    merges = mg.GetArrayLength();
            }
            if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
            {
                foreach (var a in added.EnumerateArray())
                {
                    if (a.ValueKind == JsonValueKind.Object && a.TryGetProperty("id", out var id) && id.TryGetInt32(out int i) && i >= 0
                        && JsonFiles.TokenText(a) is { } text)
                        tokens[i] = (text, a.TryGetProperty("special", out var sp) && sp.ValueKind == JsonValueKind.True);
                }
            }
        }
        else if (VocabJson is { } vocabPath)
        {
            using var doc = JsonFiles.Parse(vocabPath);
            AddVocab(vocabPath, doc.RootElement, tokens);
            if (AddedTokensJson is { } addedPath)
            {
                using var addedDoc = JsonFiles.Parse(addedPath);
                foreach (var p in addedDoc.RootElement.EnumerateObject())
                    if (p.Value.TryGetInt32(out int i) && i >= 0) tokens[i] = (p.Name, true);
            }
        }

        var roles = ReadRoles();
        var special = tokens.Where(t => t.Value.Special || roles.ContainsKey(t.Value.Text))
            .Select(t => new SpecialToken(t.Key, t.Value.Text, roles.TryGetValue(t.Value.Text, out var r) ? r : []))
            .ToList();
        int size = tokens.Count == 0 ? 0 : tokens.Keys.Max() + 1;
        return new TokenizerSummary("tokenizer.json", model, null, size, merges, special, !string.IsNullOrEmpty(ChatTemplate));
    }

    private static void AddVocab(string path, JsonElement vocab, SortedDictionary<int, (string, bool)> tokens)
    {
        if (vocab.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(path, "vocab", "is not an object of token → id");
        foreach (var p in vocab.EnumerateObject())
            if (p.Value.TryGetInt32(out int id) && id >= 0) tokens[id] = (p.Name, false);
    }

    private Dictionary<string, List<string>> ReadRoles()
    {
        var roles = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var file in new[] { TokenizerConfigJson, SpecialTokensMapJson })
        {
            if (file is null)
                continue;
            using var doc = JsonFiles.Parse(file);
            foreach (var (key, role) in new[] { ("bos_token", "bos"), ("eos_token", "eos"), ("unk_token", "unk"), ("pad_token", "pad") })
            {
                if (doc.RootElement.TryGetProperty(key, out var v) && JsonFiles.TokenText(v) is { } text)
                {
                    var list = roles.TryGetValue(text, out var l) ? l : roles[text] = [];
                    if (!list.Contains(role)) list.Add(role);
                }
            }
        }
        return roles;
    }

    private static string? ReadChatTemplate(string path)
    {
        using var doc = JsonFiles.Parse(path);
        if (!doc.RootElement.TryGetProperty("chat_template", out var t))
            return null;
        if (t.ValueKind == JsonValueKind.String)
            return t.GetString();
        if (t.ValueKind == JsonValueKind.Array)
        {
            string? first = null;
            foreach (var entry in t.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("template", out var tpl) || tpl.ValueKind != JsonValueKind.String)
                    continue;
                first ??= tpl.GetString();
                if (entry.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() == "default")
                    return tpl.GetString();
            }
            return first;
        }
        return null;
    }
}
