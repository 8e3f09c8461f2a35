using StarChat.Generation.Sampling;

namespace StarChat.Server.Scheduling;

/// <summary>One sequence to generate: a tokenized prompt, how to sample, and when to stop.</summary>
public sealed record SequenceRequest
{
    /// <summary>The prompt ids (formatted and tokenized already).</summary>
    public required IReadOnlyList<int> PromptIds { get; init; }

    /// <summary>Sampling settings; <see cref="SamplingOptions.MaxNewTokens"/> must already fit the context.</summary>
    public SamplingOptions Sampling { get; init; } = SamplingOptions.StarChatDefaults;

    /// <summary>Ids that end the sequence (their text is not shown).</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Strings that end the sequence; the text stops before them.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>How many most likely alternatives to report with each token (0: none).</summary>
    public int TopLogProbs { get; init; }

    /// <summary>
    /// Report the log-probability of every prompt token (TGI <c>decoder_input_details</c>). The whole prompt is then
    /// evaluated again, without reusing a cached prefix.
    /// </summary>
    public bool PromptLogProbs { get; init; }

    /// <summary>Added to the logits of these ids before sampling (OpenAI <c>logit_bias</c>).</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>OpenAI <c>presence_penalty</c>: subtracted once from every id already generated.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>
    /// The selectable LoRA adapter to run with (<see cref="StarChat.Engine.Inference.IAdapterSession.Adapter"/>); 0 for
    /// none. A cached prefix is reused only from a slot that ran the same adapter.
    /// </summary>
    public int Adapter { get; init; }

    /// <summary>OpenAI <c>frequency_penalty</c>: subtracted per occurrence of an id already generated.</summary>
    public float FrequencyPenalty { get; init; }
}
