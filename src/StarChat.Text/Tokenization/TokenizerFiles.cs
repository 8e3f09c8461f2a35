using System.Text.Json;

namespace StarChat.Text.Tokenization;

/// <summary>
/// Loads a tokenizer the way <c>transformers</c> finds one in a model folder: <c>tokenizer.json</c>, else
/// <c>vocab.json</c> + <c>merges.txt</c>; then <c>added_tokens.json</c>, <c>tokenizer_config.json</c>
/// (<c>added_tokens_decoder</c>, special tokens, <c>chat_template</c>) and <c>special_tokens_map.json</c>.
/// </summary>
public static class TokenizerFiles
{
    /// <summary>True when <paramref name="folder"/> holds tokenizer files this loader can read.</summary>
    public static bool Exists(string folder)
        => File.Exists(Path.Combine(folder, "tokenizer.json"))
           || (File.Exists(Path.Combine(folder, "vocab.json")) && File.Exists(Path.Combine(folder, "merges.txt")));

    /// <summary>Loads from a model folder, a <c>tokenizer.json</c> path or a <c>vocab.json</c> path (with <c>merges.txt</c> beside it).</summary>
    /// <exception cref="TokenizerFormatException">A file is malformed or describes an unsupported tokenizer.</exception>
    /// <exception cref="FileNotFoundException">No tokenizer files at that path.</exception>
    public static (TokenizerDefinition Definition, TokenizerConfig Config) Load(string path)
    {
        string folder;
        TokenizerDefinition definition;
        if (Directory.Exists(path))
        {
            folder = path;
            string json = Path.Combine(folder, "tokenizer.json");
            if (File.Exists(json))
                definition = TokenizerJsonReader.Read(json);
            else if (File.Exists(Path.Combine(folder, "vocab.json")) && File.Exists(Path.Combine(folder, "merges.txt")))
                definition = ReadVocabAndMerges(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"));
            else
                throw new FileNotFoundException($"{folder}: no tokenizer.json, nor vocab.json with merges.txt", Path.Combine(folder, "tokenizer.json"));
        }
        else if (File.Exists(path))
        {
            folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            definition = Path.GetFileName(path).Equals("vocab.json", StringComparison.OrdinalIgnoreCase)
                ? ReadVocabAndMerges(path, Path.Combine(folder, "merges.txt"))
                : TokenizerJsonReader.Read(path);
        }
        else
        {
            throw new FileNotFoundException($"{path}: no such file or folder", path);
        }

        var config = ReadConfig(folder);
        definition = MergeAddedTokens(definition, folder);
        definition = definition with
        {
            BosTokenId = Id(definition, config.BosToken) ?? definition.BosTokenId,
            EosTokenId = Id(definition, config.EosToken) ?? definition.EosTokenId,
            PadTokenId = Id(definition, config.PadToken) ?? definition.PadTokenId,
        };
        return (definition, config);
    }

    /// <summary>Reads <c>vocab.json</c> (token → id) and <c>merges.txt</c> (<c>#version</c> line, then "left right" per line).</summary>
    /// <exception cref="TokenizerFormatException">A file is malformed.</exception>
    public static TokenizerDefinition ReadVocabAndMerges(string vocabPath, string mergesPath)
    {
        Dictionary<string, int>? vocab;
        try
        {
            vocab = JsonSerializer.Deserialize(File.ReadAllBytes(vocabPath), TextJsonContext.Default.DictionaryStringInt32);
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException(vocabPath, "(file)", $"expected a JSON object of token → id: {e.Message}", e);
        }
        if (vocab is null || vocab.Count == 0)
            throw new TokenizerFormatException(vocabPath, "(file)", "empty vocabulary");
        int max = vocab.Values.Max();
        if (vocab.Values.Min() < 0 || max > TokenizerJsonReader.MaxTokenId)
            throw new TokenizerFormatException(vocabPath, "(ids)", $"ids must lie in 0..{TokenizerJsonReader.MaxTokenId}");
        var tokens = new string?[max + 1];
        foreach (var (token, id) in vocab)
        {
            if (tokens[id] is not null)
                throw new TokenizerFormatException(vocabPath, $"\"{token}\"", $"id {id} is also used by '{tokens[id]}'");
            tokens[id] = token;
        }

        var merges = new List<(string, string)>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(mergesPath))
        {
            lineNo++;
            if (line.Length == 0 || (lineNo == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
                continue;
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
                throw new TokenizerFormatException(mergesPath, $"line {lineNo}", $"expected \"left right\", got \"{line}\"");
            merges.Add((line[..space], line[(space + 1)..]));
        }
        return new TokenizerDefinition { Origin = vocabPath, Tokens = tokens, Merges = merges, PreTokenizer = PreTokenizerKind.Gpt2 };
    }

    /// <summary>Reads <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> from a folder (either may be absent).</summary>
    /// <exception cref="TokenizerFormatException">A file exists but is not valid JSON.</exception>
    public static TokenizerConfig ReadConfig(string folder)
    {
        var config = TokenizerConfig.Empty;
        foreach (var name in new[] { "special_tokens_map.json", "tokenizer_config.json" })
        {
            string path = Path.Combine(folder, name);
            if (!File.Exists(path)) continue;
            using var doc = ParseJson(path);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new TokenizerFormatException(path, "(root)", "expected a JSON object");
            config = config with
            {
                BosToken = TokenString(root, "bos_token") ?? config.BosToken,
                EosToken = TokenString(root, "eos_token") ?? config.EosToken,
                UnkToken = TokenString(root, "unk_token") ?? config.UnkToken,
                PadToken = TokenString(root, "pad_token") ?? config.PadToken,
                AdditionalSpecialTokens = root.TryGetProperty("additional_special_tokens", out var extra) && extra.ValueKind == JsonValueKind.Array
                    ? [.. extra.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : TokenString(e, "content")).OfType<string>()]
                    : config.AdditionalSpecialTokens,
                ChatTemplate = ReadChatTemplate(root, path) ?? config.ChatTemplate,
                ModelMaxLength = root.TryGetProperty("model_max_length", out var ml) && ml.ValueKind == JsonValueKind.Number
                    && ml.TryGetDouble(out double max) && max < 1e15 ? (long)max : config.ModelMaxLength,
                CleanUpTokenizationSpaces = root.TryGetProperty("clean_up_tokenization_spaces", out var cu)
                    && cu.ValueKind is JsonValueKind.True or JsonValueKind.False ? cu.GetBoolean() : config.CleanUpTokenizationSpaces,
            };
        }
        return config;
    }

    /// <summary><c>chat_template</c> is a string, or a list of named templates (<c>default</c> is used).</summary>
    private static string? ReadChatTemplate(JsonElement root, string path)
    {
        if (!root.TryGetProperty("chat_template", out var t))
            return null;
        if (t.ValueKind == JsonValueKind.String)
            return t.GetString();
        if (t.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in t.EnumerateArray())
            {
                if (TokenString(entry, "name") == "default")
                    return TokenString(entry, "template");
            }
            return null;
        }
        if (t.ValueKind == JsonValueKind.Null)
            return null;
        throw new TokenizerFormatException(path, "chat_template", $"expected a string or a list of named templates, got {t.ValueKind}");
    }

    /// <summary>Adds tokens from <c>tokenizer_config.json</c> <c>added_tokens_decoder</c> and <c>added_tokens.json</c> that the definition lacks.</summary>
    private static TokenizerDefinition MergeAddedTokens(TokenizerDefinition definition, string folder)
    {
        var byId = definition.AddedTokens.ToDictionary(t => t.Id);
        var config = TokenizerFilesConfig(folder);
        var specials = new HashSet<string>(StringComparer.Ordinal);
        if (config is not null)
        {
            using (config)
            {
                var root = config.RootElement;
                foreach (var key in new[] { "bos_token", "eos_token", "unk_token", "pad_token" })
                    if (TokenString(root, key) is { } s) specials.Add(s);
                if (root.TryGetProperty("additional_special_tokens", out var extra) && extra.ValueKind == JsonValueKind.Array)
                    foreach (var e in extra.EnumerateArray())
                        if ((e.ValueKind == JsonValueKind.String ? e.GetString() : TokenString(e, "content")) is { } s) specials.Add(s);

                if (root.TryGetProperty("added_tokens_decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object)
                {
                    string origin = Path.Combine(folder, "tokenizer_config.json");
                    foreach (var p in decoder.EnumerateObject())
                    {
                        if (!int.TryParse(p.Name, out int id) || id < 0 || id > TokenizerJsonReader.MaxTokenId)
                            throw new TokenizerFormatException(origin, $"added_tokens_decoder[\"{p.Name}\"]", "key must be a token id");
                        if (byId.ContainsKey(id)) continue;
                        byId[id] = TokenizerJsonReader.ReadAddedToken(p.Value, id, origin, $"added_tokens_decoder[\"{p.Name}\"]");
                    }
                }
            }
        }

        string addedPath = Path.Combine(folder, "added_tokens.json");
        if (File.Exists(addedPath))
        {
            Dictionary<string, int>? added;
            try
            {
                added = JsonSerializer.Deserialize(File.ReadAllBytes(addedPath), TextJsonContext.Default.DictionaryStringInt32);
            }
            catch (JsonException e)
            {
                throw new TokenizerFormatException(addedPath, "(file)", $"expected a JSON object of token → id: {e.Message}", e);
            }
            foreach (var (content, id) in added ?? [])
            {
                if (id < 0 || id > TokenizerJsonReader.MaxTokenId || content.Length == 0)
                    throw new TokenizerFormatException(addedPath, $"\"{content}\"", $"bad id {id} or empty token");
                if (!byId.ContainsKey(id))
                    byId[id] = new AddedToken(id, content, Special: specials.Contains(content), Normalized: !specials.Contains(content));
            }
        }
        if (byId.Count == definition.AddedTokens.Count)
            return definition;
        return definition with { AddedTokens = [.. byId.Values.OrderBy(t => t.Id)] };
    }

    private static JsonDocument? TokenizerFilesConfig(string folder)
    {
        string path = Path.Combine(folder, "tokenizer_config.json");
        return File.Exists(path) ? ParseJson(path) : null;
    }

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException(path, "(file)", $"not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>A special token given as a string or as <c>{"content": ...}</c>.</summary>
    private static string? TokenString(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(name, out var v))
            return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object when v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
            _ => null,
        };
    }

    private static int? Id(TokenizerDefinition definition, string? token)
    {
        if (token is null) return null;
        foreach (var t in definition.AddedTokens)
            if (t.Content == token) return t.Id;
        for (int i = 0; i < definition.Tokens.Count; i++)
            if (definition.Tokens[i] == token) return i;
        return null;
    }
}
