namespace StarChat.Server.Scheduling;

/// <summary>
/// OpenAI's logit changes, applied to the raw logits before the Hugging Face sampling chain: <c>logit_bias</c> is
/// added, and every id already generated loses <c>presence_penalty</c> once and <c>frequency_penalty</c> per
/// occurrence (OpenAI's formula; the counts cover generated tokens only, not the prompt).
/// </summary>
internal sealed class LogitAdjustments(IReadOnlyDictionary<int, float>? bias, float presence, float frequency)
{
    private readonly Dictionary<int, int> _counts = [];

    /// <summary>True when the request changes nothing (the common case: the row is then used as it is).</summary>
    public static bool AreNeeded(SequenceRequest request)
        => request.LogitBias is { Count: > 0 } || request.PresencePenalty != 0 || request.FrequencyPenalty != 0;

    /// <summary>Records a generated token.</summary>
    public void Accept(int id) => _counts[id] = _counts.GetValueOrDefault(id) + 1;

    /// <summary>Applies bias and penalties to <paramref name="scores"/> in place.</summary>
    public void Apply(Span<float> scores)
    {
        if (bias is not null)
        {
            foreach (var (id, value) in bias)
                if ((uint)id < (uint)scores.Length) scores[id] += value;
        }
        if (presence == 0 && frequency == 0) return;
        foreach (var (id, count) in _counts)
            scores[id] -= count * frequency + presence;
    }
}
