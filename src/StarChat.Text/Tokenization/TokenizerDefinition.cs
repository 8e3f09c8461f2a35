namespace StarChat.Text.Tokenization;

/// <summary>
/// Everything a byte-level BPE tokenizer is made of, independent of the file it came from
/// (<c>tokenizer.json</c>, <c>vocab.json</c> + <c>merges.txt</c>, GGUF <c>tokenizer.ggml.*</c>, a legacy GGML vocabulary).
/// </summary>
public sealed record TokenizerDefinition
{
    /// <summary>Where the definition came from (a path), for error messages.</summary>
    public required string Origin { get; init; }

    /// <summary>Byte-level token strings by id (e.g. <c>Ġworld</c>); null for ids that only exist as added tokens.</summary>
    public required IReadOnlyList<string?> Tokens { get; init; }

    /// <summary>Merge pairs, highest priority (rank 0) first.</summary>
    public required IReadOnlyList<(string Left, string Right)> Merges { get; init; }

    /// <summary>Tokens matched on the raw text before pre-tokenization.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; init; } = [];

    /// <summary>How text is split into words.</summary>
    public PreTokenizerKind PreTokenizer { get; init; } = PreTokenizerKind.StarCoder;

    /// <summary>ByteLevel <c>add_prefix_space</c> (GPT-2 style tokenizers only).</summary>
    public bool AddPrefixSpace { get; init; }

    /// <summary>BPE <c>ignore_merges</c>.</summary>
    public bool IgnoreMerges { get; init; }

    /// <summary>Beginning-of-sequence token id, if the model has one (StarCoder: 0).</summary>
    public int? BosTokenId { get; init; }

    /// <summary>End-of-sequence token id (StarCoder: 0, <c>&lt;|endoftext|&gt;</c>).</summary>
    public int? EosTokenId { get; init; }

    /// <summary>
    /// The BPE model's own <c>unk_token</c>: a byte with no symbol in the vocabulary becomes this id. Null (StarCoder)
    /// drops such bytes, as Hugging Face does; a tokenizer_config <c>unk_token</c> does not change that.
    /// </summary>
    public int? UnkTokenId { get; init; }

    /// <summary>Padding token id, if any.</summary>
    public int? PadTokenId { get; init; }
}
