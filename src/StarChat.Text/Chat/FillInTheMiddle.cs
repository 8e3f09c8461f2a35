namespace StarChat.Text.Chat;

/// <summary>Fill-in-the-middle arrangement (Bavarian et al.; StarCoder was trained with both).</summary>
public enum FimMode
{
    /// <summary>Prefix-suffix-middle: <c>&lt;fim_prefix&gt;P&lt;fim_suffix&gt;S&lt;fim_middle&gt;</c>. What editor plugins send.</summary>
    Psm,

    /// <summary>Suffix-prefix-middle ("variant 2"): <c>&lt;fim_prefix&gt;&lt;fim_suffix&gt;S&lt;fim_middle&gt;P</c>; the model continues P directly.</summary>
    Spm,
}

/// <summary>
/// Fill-in-the-middle prompts for StarCoder-family models. The sentinels are control tokens; the prefix and suffix
/// are user code and are encoded as plain text, so code that contains <c>&lt;fim_middle&gt;</c> cannot derail the
/// prompt. The model writes the middle and ends it with <c>&lt;|endoftext|&gt;</c>.
/// </summary>
/// <param name="Prefix">The prefix sentinel.</param>
/// <param name="Suffix">The suffix sentinel.</param>
/// <param name="Middle">The middle sentinel.</param>
public sealed record FillInTheMiddle(string Prefix = "<fim_prefix>", string Suffix = "<fim_suffix>", string Middle = "<fim_middle>")
{
    /// <summary>StarCoder, StarCoderBase, StarCoderPlus, StarCoder2 and StarChat spelling.</summary>
    public static FillInTheMiddle StarCoder { get; } = new();

    /// <summary>SantaCoder's hyphenated spelling.</summary>
    public static FillInTheMiddle SantaCoder { get; } = new("<fim-prefix>", "<fim-suffix>", "<fim-middle>");

    /// <summary>Stop strings BigCode's FIM evaluation uses.</summary>
    public static IReadOnlyList<string> StopStrings { get; } = ["<|endoftext|>", "<|filename|>", "<file_sep>"];

    /// <summary>Picks the spelling whose prefix sentinel <paramref name="hasToken"/> knows; null when neither.</summary>
    public static FillInTheMiddle? Detect(Func<string, bool> hasToken)
        => hasToken(StarCoder.Prefix) ? StarCoder : hasToken(SantaCoder.Prefix) ? SantaCoder : null;

    /// <summary>The prompt for filling the gap between <paramref name="prefix"/> and <paramref name="suffix"/>.</summary>
    public IReadOnlyList<PromptSegment> Build(string prefix, string suffix, FimMode mode = FimMode.Psm) => mode switch
    {
        FimMode.Psm =>
        [
            PromptSegment.Control(Prefix), PromptSegment.Plain(prefix),
            PromptSegment.Control(Suffix), PromptSegment.Plain(suffix),
            PromptSegment.Control(Middle),
        ],
        FimMode.Spm =>
        [
            PromptSegment.Control(Prefix + Suffix), PromptSegment.Plain(suffix),
            PromptSegment.Control(Middle), PromptSegment.Plain(prefix),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown FIM mode"),
    };
}
