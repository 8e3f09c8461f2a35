using StarChat.Formats.Gguf;
namespace StarChat.Formats.Tokenizers;

/// <summary>
/// The <c>tokenizer.*</c> metadata of a GGUF file (formats.md §7.6), as plain data: enough for another project to
/// build the byte-level BPE tokenizer. Token strings are the byte-level ("Ġ"-style) strings, as in tokenizer.json.
/// </summary>
public sealed record GgufTokenizerData : TokenizerSource
{
    /// <summary><c>tokenizer.ggml.model</c> (<c>gpt2</c> for byte-level BPE).</summary>
    public required string Model { get; init; }

    /// <summary><c>tokenizer.ggml.pre</c>; null in files converted before May 2024 (<c>starcoder</c> and <c>refact</c> select the same pre-tokenizer).</summary>
    public string? Pre { get; init; }

    /// <summary><c>tokenizer.ggml.tokens</c>, by id.</summary>
    public required IReadOnlyList<string> Tokens { get; init; }

    /// <summary><c>tokenizer.ggml.token_type</c> by id (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte), when present.</summary>
    public IReadOnlyList<int>? TokenTypes { get; init; }

    /// <summary><c>tokenizer.ggml.merges</c>: <c>"left right"</c> pairs in rank order.</summary>
    public IReadOnlyList<string> Merges { get; init; } = [];

    /// <summary><c>tokenizer.ggml.bos_token_id</c>.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>tokenizer.ggml.eos_token_id</c>.</summary>
    public int? EosTokenId { get; init; }

    /// <summary><c>tokenizer.ggml.unknown_token_id</c>.</summary>
    public int? UnknownTokenId { get; init; }

    /// <summary><c>tokenizer.ggml.padding_token_id</c>.</summary>
    public int? PaddingTokenId { get; init; }

    /// <summary><c>tokenizer.ggml.eot_token_id</c>.</summary>
    public int? EotTokenId { get; init; }

    /// <summary><c>tokenizer.ggml.fim_pre_token_id</c>.</summary>
    public int? FimPrefixTokenId { get; init; }

    /// <summary><c>tokenizer.ggml.fim_suf_token_id</c>.</summary>
    public int? FimSuffixTokenId { get; init; }

    /// <summary><c>tokenizer.ggml.fim_mid_token_id</c>.</summary>
    public int? FimMiddleTokenId { get; init; }

    /// <summary><c>tokenizer.ggml.add_bos_token</c>.</summary>
    public bool? AddBos { get; init; }

    /// <summary><c>tokenizer.ggml.add_eos_token</c>.</summary>
    public bool? AddEos { get; init; }

    /// <summary><c>tokenizer.chat_template</c> (Jinja).</summary>
    public string? ChatTemplate { get; init; }

    /// <inheritdoc />
    public override TokenizerSummary Summarize()
    {
        var roles = new Dictionary<int, List<string>>();
        void Role(int? id, string role)
        {
            if (id is { } i && i >= 0 && i < Tokens.Count)
                (roles.TryGetValue(i, out var list) ? list : roles[i] = []).Add(role);
        }
        Role(BosTokenId, "bos");
        Role(EosTokenId, "eos");
        Role(UnknownTokenId, "unk");
        Role(PaddingTokenId, "pad");
        Role(EotTokenId, "eot");
        Role(FimPrefixTokenId, "fim_prefix");
        Role(FimSuffixTokenId, "fim_suffix");
        Role(FimMiddleTokenId, "fim_middle");
        var ids = new SortedSet<int>(roles.Keys);
        if (TokenTypes is not null)
        {
            for (int i = 0; i < Math.Min(TokenTypes.Count, Tokens.Count); i++)
                if (TokenTypes[i] is 3 or 4) ids.Add(i); // CONTROL, USER_DEFINED
        }
        var special = ids.Select(i => new SpecialToken(i, Tokens[i], roles.TryGetValue(i, out var r) ? r : [])).ToList();
        return new TokenizerSummary("gguf", Model, Pre, Tokens.Count, Merges.Count, special, !string.IsNullOrEmpty(ChatTemplate));
    }

    /// <summary>The tokenizer keys of a GGUF file's metadata (any architecture), or null when it has no token list.</summary>
    /// <exception cref="ModelFormatException">The token types do not match the tokens.</exception>
    public static GgufTokenizerData? FromMetadata(string origin, GgufMetadata meta)
    {
        var tokens = meta.GetStringArrayOrNull("tokenizer.ggml.tokens");
        if (tokens is null)
            return null;
        var types = meta.GetInt32ArrayOrNull("tokenizer.ggml.token_type");
        if (types is not null && types.Length != tokens.Count)
            throw new ModelFormatException(origin, "metadata 'tokenizer.ggml.token_type'", $"{types.Length} entries for {tokens.Count} tokens");
        int? Id(string key) => meta.GetIntegerOrNull(key, 0, tokens.Count - 1) is { } v ? (int)v : null;
        return new GgufTokenizerData
        {
            Model = meta.GetStringOrNull("tokenizer.ggml.model") ?? "gpt2",
            Pre = meta.GetStringOrNull("tokenizer.ggml.pre"),
            Tokens = tokens,
            TokenTypes = types,
            Merges = meta.GetStringArrayOrNull("tokenizer.ggml.merges") ?? [],
            BosTokenId = Id("tokenizer.ggml.bos_token_id"),
            EosTokenId = Id("tokenizer.ggml.eos_token_id"),
            UnknownTokenId = Id("tokenizer.ggml.unknown_token_id"),
            PaddingTokenId = Id("tokenizer.ggml.padding_token_id"),
            EotTokenId = Id("tokenizer.ggml.eot_token_id"),
            FimPrefixTokenId = Id("tokenizer.ggml.fim_pre_token_id"),
            FimSuffixTokenId = Id("tokenizer.ggml.fim_suf_token_id"),
            FimMiddleTokenId = Id("tokenizer.ggml.fim_mid_token_id"),
            AddBos = meta.GetBoolOrNull("tokenizer.ggml.add_bos_token"),
            AddEos = meta.GetBoolOrNull("tokenizer.ggml.add_eos_token"),
            ChatTemplate = meta.GetStringOrNull("tokenizer.chat_template"),
        };
    }
}
