using StarChat.Generation;

namespace StarChat.Server.Scheduling;

/// <summary>
/// One generated token as the scheduler reports it. <see cref="Text"/> is the text that became safe to show (held
/// back while a UTF-8 character or a stop string is incomplete); <see cref="TokenText"/> is the token's own text, as
/// TGI's per-token details show it.
/// </summary>
public sealed record TokenEvent
{
    /// <summary>The token id, or −1 on a final event that carries no token.</summary>
    public int Id { get; init; }

    /// <summary>Text released at this step (may be empty).</summary>
    public string Text { get; init; } = "";

    /// <summary>The token decoded on its own (special tokens as their content).</summary>
    public string TokenText { get; init; } = "";

    /// <summary>log softmax of the model's raw logits for this token (OpenAI <c>logprob</c>).</summary>
    public float LogProb { get; init; }

    /// <summary>log-probability under the distribution it was drawn from, after temperature and filtering (TGI <c>logprob</c>).</summary>
    public float SampledLogProb { get; init; }

    /// <summary>The most likely tokens at this step by raw log-probability, when asked for.</summary>
    public IReadOnlyList<TokenLogProb> TopLogProbs { get; init; } = [];

    /// <summary>True for special (control) tokens.</summary>
    public bool Special { get; init; }

    /// <summary>True when the token is one of the request's stop ids.</summary>
    public bool IsStopToken { get; init; }

    /// <summary>Set on the last event of the sequence.</summary>
    public FinishReason? Finish { get; init; }

    /// <summary>How many tokens the sequence has generated, this one included.</summary>
    public int Index { get; init; }
}
