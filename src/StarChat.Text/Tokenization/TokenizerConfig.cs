namespace StarChat.Text.Tokenization;

/// <summary>
/// The parts of <c>tokenizer_config.json</c> / <c>special_tokens_map.json</c> (or GGUF <c>tokenizer.*</c> keys) that
/// matter beside the vocabulary: the special token strings and the Jinja chat template.
/// </summary>
public sealed record TokenizerConfig
{
    /// <summary>No configuration.</summary>
    public static TokenizerConfig Empty { get; } = new();

    /// <summary><c>bos_token</c>.</summary>
    public string? BosToken { get; init; }

    /// <summary><c>eos_token</c>.</summary>
    public string? EosToken { get; init; }

    /// <summary><c>unk_token</c>.</summary>
    public string? UnkToken { get; init; }

    /// <summary><c>pad_token</c>.</summary>
    public string? PadToken { get; init; }

    /// <summary><c>additional_special_tokens</c>.</summary>
    public IReadOnlyList<string> AdditionalSpecialTokens { get; init; } = [];

    /// <summary><c>chat_template</c> (Jinja), if the model ships one.</summary>
    public string? ChatTemplate { get; init; }

    /// <summary><c>model_max_length</c>, if it is a real limit (Hugging Face writes 1e30 for "none").</summary>
    public long? ModelMaxLength { get; init; }

    /// <summary><c>clean_up_tokenization_spaces</c>. We never clean up (it corrupts code); kept for reporting.</summary>
    public bool? CleanUpTokenizationSpaces { get; init; }
}
