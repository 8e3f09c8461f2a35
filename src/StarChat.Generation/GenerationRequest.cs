using StarChat.Generation.Sampling;

namespace StarChat.Generation;

/// <summary>What to generate: a tokenized prompt, sampling settings and when to stop.</summary>
public sealed record GenerationRequest
{
    /// <summary>The prompt ids (already formatted and tokenized).</summary>
    public required IReadOnlyList<int> PromptIds { get; init; }

    /// <summary>Sampling settings (<c>max_new_tokens</c> included).</summary>
    public SamplingOptions Sampling { get; init; } = SamplingOptions.StarChatDefaults;

    /// <summary>Ids that end generation (e.g. StarChat's <c>&lt;|end|&gt;</c> 49155 and <c>&lt;|endoftext|&gt;</c> 0). They are not part of the text.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Strings that end generation; the text stops before them and they are held back while they might still match.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Leave special tokens (other than stop ids) out of the text.</summary>
    public bool SkipSpecialTokens { get; init; } = true;

    /// <summary>How many most likely alternatives to report with each token's log-probability (0: none).</summary>
    public int TopLogProbs { get; init; }
}

/// <summary>Why generation ended.</summary>
public enum FinishReason
{
    /// <summary><c>max_new_tokens</c> reached.</summary>
    Length,
    /// <summary>A stop token id was generated.</summary>
    EndOfSequence,
    /// <summary>A stop string appeared in the text.</summary>
    StopString,
    /// <summary>The model's context is full.</summary>
    ContextFull,
}

/// <summary>A token and its log-probability.</summary>
/// <param name="Id">Token id.</param>
/// <param name="LogProb">log softmax of the model's raw logits.</param>
public readonly record struct TokenLogProb(int Id, float LogProb);

/// <summary>
/// One generated token: its id, the text that became safe to show with it (often empty while a UTF-8 character or a
/// possible stop string is incomplete), its log-probability and, on the last step, why generation ended.
/// </summary>
public sealed record GenerationStep
{
    /// <summary>The token id (−1 on a final step that carries no token).</summary>
    public int TokenId { get; init; }

    /// <summary>Text released at this step.</summary>
    public string Text { get; init; } = "";

    /// <summary>log softmax of the raw logits for <see cref="TokenId"/>.</summary>
    public float LogProb { get; init; }

    /// <summary>The most likely tokens at this step, when asked for.</summary>
    public IReadOnlyList<TokenLogProb> TopLogProbs { get; init; } = [];

    /// <summary>Set on the last step only.</summary>
    public FinishReason? Finish { get; init; }

    /// <summary>True when the token was a stop token (its text is not shown).</summary>
    public bool IsStopToken { get; init; }
}
