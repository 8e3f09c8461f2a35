namespace StarChat.Generation.Sampling;

/// <summary>
/// HF <c>RepetitionPenaltyLogitsProcessor</c>: every id present anywhere in the context (prompt and generated, each
/// once) has its score divided by the penalty when positive and multiplied by it when negative.
/// </summary>
public sealed class RepetitionPenalty : ILogitsProcessor
{
    private readonly float _penalty;
    private readonly HashSet<int> _seen = [];

    /// <summary>Creates the processor.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The penalty is not positive.</exception>
    public RepetitionPenalty(float penalty)
    {
        if (!(penalty > 0) || !float.IsFinite(penalty))
            throw new ArgumentOutOfRangeException(nameof(penalty), penalty, "repetition_penalty must be a positive number");
        _penalty = penalty;
    }

    /// <inheritdoc />
    public void Apply(Span<float> scores, ReadOnlySpan<int> context)
    {
        _seen.Clear();
        foreach (int id in context)
        {
            if ((uint)id >= (uint)scores.Length || !_seen.Add(id)) continue;
            float s = scores[id];
            scores[id] = s < 0 ? s * _penalty : s / _penalty;
        }
    }
}
