using System.Text.Json;

namespace StarChat.Text.Tokenization;

/// <summary>
/// Reads a Hugging Face <c>tokenizer.json</c> (serialization 1.0) that describes a byte-level BPE tokenizer:
/// merges as <c>"a b"</c> strings or <c>["a","b"]</c> pairs, added tokens with their flags, and the pre-tokenizer
/// (StarCoder's <c>Sequence[Digits, ByteLevel]</c> or GPT-2's <c>ByteLevel</c>). Anything else is refused with a
/// message naming the field, rather than tokenized differently from the reference.
/// </summary>
public static class TokenizerJsonReader
{
    /// <summary>Largest id accepted; guards against a hostile file asking for a gigantic table.</summary>
    internal const int MaxTokenId = 16_000_000;

    /// <summary>Reads and validates a <c>tokenizer.json</c> file.</summary>
    /// <exception cref="TokenizerFormatException">The file is not valid JSON or a field is missing, malformed or unsupported.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static TokenizerDefinition Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return Parse(bytes, path);
    }

    /// <summary>Parses <c>tokenizer.json</c> content; <paramref name="origin"/> names it in errors.</summary>
    /// <exception cref="TokenizerFormatException">The content is not valid JSON or a field is missing, malformed or unsupported.</exception>
    public static TokenizerDefinition Parse(ReadOnlySpan<byte> json, string origin)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException(origin, "(file)", $"not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new TokenizerFormatException(origin, "(root)", "expected a JSON object");

            if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind != JsonValueKind.Null)
                throw new TokenizerFormatException(origin, "normalizer", $"normalizer '{TypeOf(normalizer)}' is not supported (byte-level BPE tokenizers of the StarCoder family have none)");

            var model = Required(root, "model", JsonValueKind.Object, origin);
            string modelType = model.TryGetProperty("type", out var mt) && mt.ValueKind == JsonValueKind.String ? mt.GetString()! : "BPE";
            if (modelType != "BPE")
                throw new TokenizerFormatException(origin, "model.type", $"model type '{modelType}' is not supported (only BPE)");
            RequireNullOrEmpty(model, "continuing_subword_prefix", origin);
            RequireNullOrEmpty(model, "end_of_word_suffix", origin);
            if (model.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True)
                throw new TokenizerFormatException(origin, "model.byte_fallback", "byte_fallback BPE (SentencePiece-style) is not supported");

            var tokens = ReadVocab(Required(model, "vocab", JsonValueKind.Object, origin), origin);
            var merges = ReadMerges(Required(model, "merges", JsonValueKind.Array, origin), origin);
            bool ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;

            var added = root.TryGetProperty("added_tokens", out var at) && at.ValueKind == JsonValueKind.Array
                ? ReadAddedTokens(at, origin)
                : [];

            var (kind, addPrefixSpace) = ReadPreTokenizer(root, origin);
            int? unk = null;
            if (model.TryGetProperty("unk_token", out var unkToken) && unkToken.ValueKind == JsonValueKind.String)
                unk = Lookup(unkToken.GetString()!, tokens, added);

            return new TokenizerDefinition
            {
                Origin = origin,
                Tokens = tokens,
                Merges = merges,
                AddedTokens = added,
                PreTokenizer = kind,
                AddPrefixSpace = addPrefixSpace,
                IgnoreMerges = ignoreMerges,
                UnkTokenId = unk,
            };
        }
    }

    private static int? Lookup(string content, string?[] tokens, List<AddedToken> added)
    {
        foreach (var t in added)
            if (t.Content == content) return t.Id;
        for (int i = 0; i < tokens.Length; i++)
            if (tokens[i] == content) return i;
        return null;
    }

    private static string?[] ReadVocab(JsonElement vocab, string origin)
    {
        var pairs = new List<(string Token, int Id)>();
        int max = -1;
        foreach (var p in vocab.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0 || id > MaxTokenId)
                throw new TokenizerFormatException(origin, $"model.vocab[\"{p.Name}\"]", $"id must be an integer in 0..{MaxTokenId}, got {p.Value.GetRawText()}");
            pairs.Add((p.Name, id));
            max = Math.Max(max, id);
        }
        var tokens = new string?[max + 1];
        foreach (var (token, id) in pairs)
        {
            if (tokens[id] is not null)
                throw new TokenizerFormatException(origin, $"model.vocab[\"{token}\"]", $"id {id} is also used by '{tokens[id]}'");
            tokens[id] = token;
        }
        return tokens;
    }

    private static List<(string, string)> ReadMerges(JsonElement merges, string origin)
    {
        var list = new List<(string, string)>(merges.GetArrayLength());
        int i = 0;
        foreach (var m in merges.EnumerateArray())
        {
            switch (m.ValueKind)
            {
                case JsonValueKind.String:
                    var s = m.GetString()!;
                    int space = s.IndexOf(' ', StringComparison.Ordinal);
                    if (space <= 0 || space == s.Length - 1 || s.IndexOf(' ', space + 1) >= 0)
                        throw new TokenizerFormatException(origin, $"model.merges[{i}]", $"expected \"left right\", got \"{s}\"");
                    list.Add((s[..space], s[(space + 1)..]));
                    break;
                case JsonValueKind.Array when m.GetArrayLength() == 2
                    && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String:
                    list.Add((m[0].GetString()!, m[1].GetString()!));
                    break;
                default:
                    throw new TokenizerFormatException(origin, $"model.merges[{i}]", $"expected \"left right\" or [\"left\", \"right\"], got {Truncate(m.GetRawText())}");
            }
            i++;
        }
        return list;
    }

    internal static List<AddedToken> ReadAddedTokens(JsonElement array, string origin)
    {
        var list = new List<AddedToken>();
        int i = 0;
        foreach (var e in array.EnumerateArray())
        {
            string field = $"added_tokens[{i++}]";
            if (e.ValueKind != JsonValueKind.Object)
                throw new TokenizerFormatException(origin, field, "expected an object");
            if (!e.TryGetProperty("id", out var idEl) || idEl.ValueKind != JsonValueKind.Number || !idEl.TryGetInt32(out int id) || id < 0 || id > MaxTokenId)
                throw new TokenizerFormatException(origin, field + ".id", "missing or not an integer id in range");
            list.Add(ReadAddedToken(e, id, origin, field));
        }
        return list;
    }

    /// <summary>One added token object (<c>content</c> and flags; the id is given).</summary>
    internal static AddedToken ReadAddedToken(JsonElement e, int id, string origin, string field)
    {
        if (e.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException(origin, field, "expected an object");
        if (!e.TryGetProperty("content", out var c) || c.ValueKind != JsonValueKind.String || c.GetString()!.Length == 0)
            throw new TokenizerFormatException(origin, field + ".content", "missing or empty content");
        bool special = Flag(e, "special", false);
        return new AddedToken(
            id, c.GetString()!,
            Special: special,
            SingleWord: Flag(e, "single_word", false),
            LStrip: Flag(e, "lstrip", false),
            RStrip: Flag(e, "rstrip", false),
            Normalized: Flag(e, "normalized", !special));
    }

    private static (PreTokenizerKind, bool) ReadPreTokenizer(JsonElement root, string origin)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind == JsonValueKind.Null)
            throw new TokenizerFormatException(origin, "pre_tokenizer", "missing; a byte-level BPE tokenizer needs a ByteLevel pre-tokenizer");
        string type = TypeOf(pre);
        if (type == "ByteLevel")
        {
            RequireRegex(pre, origin, "pre_tokenizer");
            return (PreTokenizerKind.Gpt2, Flag(pre, "add_prefix_space", true));
        }
        if (type == "Sequence" && pre.TryGetProperty("pretokenizers", out var seq) && seq.ValueKind == JsonValueKind.Array
            && seq.GetArrayLength() == 2 && TypeOf(seq[0]) == "Digits" && TypeOf(seq[1]) == "ByteLevel")
        {
            if (!Flag(seq[0], "individual_digits", false))
                throw new TokenizerFormatException(origin, "pre_tokenizer.pretokenizers[0].individual_digits", "only individual_digits=true is supported");
            RequireRegex(seq[1], origin, "pre_tokenizer.pretokenizers[1]");
            bool prefix = Flag(seq[1], "add_prefix_space", true);
            if (prefix)
                throw new TokenizerFormatException(origin, "pre_tokenizer.pretokenizers[1].add_prefix_space", "add_prefix_space=true after Digits is not supported");
            return (PreTokenizerKind.StarCoder, false);
        }
        throw new TokenizerFormatException(origin, "pre_tokenizer",
            $"pre-tokenizer {Truncate(pre.GetRawText())} is not supported (ByteLevel, or Sequence[Digits(individual_digits), ByteLevel] as StarCoder uses)");
    }

    private static void RequireRegex(JsonElement byteLevel, string origin, string field)
    {
        if (!Flag(byteLevel, "use_regex", true))
            throw new TokenizerFormatException(origin, field + ".use_regex", "ByteLevel without its regex is not supported");
    }

    private static JsonElement Required(JsonElement obj, string name, JsonValueKind kind, string origin)
    {
        if (!obj.TryGetProperty(name, out var value))
            throw new TokenizerFormatException(origin, name, "missing");
        if (value.ValueKind != kind)
            throw new TokenizerFormatException(origin, name, $"expected {kind}, got {value.ValueKind}");
        return value;
    }

    private static void RequireNullOrEmpty(JsonElement obj, string name, string origin)
    {
        if (obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0)
            throw new TokenizerFormatException(origin, "model." + name, $"'{v.GetString()}' is not supported");
    }

    private static bool Flag(JsonElement obj, string name, bool fallback)
        => obj.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => fallback,
        } : fallback;

    private static string TypeOf(JsonElement e)
        => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : e.ValueKind.ToString();

    private static string Truncate(string s) => s.Length <= 120 ? s : s[..120] + "…";
}
