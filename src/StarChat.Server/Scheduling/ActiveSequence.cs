using StarChat.Generation.Sampling;
using StarChat.Text.Tokenization;

namespace StarChat.Server.Scheduling;

/// <summary>The per-sequence state while it occupies a slot: prompt progress, sampler, text decoder, counts.</summary>
internal sealed class ActiveSequence(SequenceHandle handle, ByteLevelBpeTokenizer tokenizer)
{
    public SequenceHandle Handle { get; } = handle;

    public SequenceRequest Request => Handle.Request;

    /// <summary>Index of the next prompt token to evaluate; equals the prompt length once prefill is done.</summary>
    public int PrefillPosition { get; set; }

    public bool IsPrefilling => PrefillPosition < Request.PromptIds.Count;

    /// <summary>A token sampled and sent but not yet in the cache (−1: none).</summary>
    public int PendingToken { get; set; } = -1;

    public int Generated { get; set; }

    public TokenSampler Sampler { get; } = new(handle.Request.Sampling, handle.Request.PromptIds.Count, handle.Request.StopTokenIds);

    public StreamingDecoder Decoder { get; } = new(tokenizer, handle.Request.StopStrings, skipSpecialTokens: true);

    public HashSet<int> StopIds { get; } = [.. handle.Request.StopTokenIds];

    public LogitAdjustments? Adjustments { get; } = LogitAdjustments.AreNeeded(handle.Request)
        ? new LogitAdjustments(handle.Request.LogitBias, handle.Request.PresencePenalty, handle.Request.FrequencyPenalty)
        : null;

    /// <summary>Prompt log-probabilities collected during prefill (when asked for).</summary>
    public List<PromptTokenLogProb>? PromptLogProbs { get; } = handle.Request.PromptLogProbs ? new(handle.Request.PromptIds.Count) : null;
}
