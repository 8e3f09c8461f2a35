namespace StarChat.Generation.Sampling;

/// <summary>
/// HF <c>TopPLogitsWarper</c> (nucleus): sorts ascending, accumulates softmax mass, removes tokens whose cumulative
/// mass is ≤ 1 − p, always keeping the <c>min_tokens_to_keep</c> most likely. The result is the smallest
/// highest-probability set whose mass reaches p.
/// </summary>
public sealed class TopP : ILogitsProcessor
{
    private readonly double _p;
    private readonly int _minKeep;

    /// <summary>Creates the warper.</summary>
    /// <exception cref="ArgumentOutOfRangeException">p is outside [0, 1].</exception>
    public TopP(float p, int minTokensToKeep = 1)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, "top_p must be in [0, 1]");
        _p = p;
        _minKeep = Math.Max(1, minTokensToKeep);
    }

    /// <inheritdoc />
    public void Apply(Span<float> scores, ReadOnlySpan<int> context)
    {
        if (_p >= 1) return;
        int[] order = Probabilities.SortedIndices(scores, descending: false);
        var sorted = new float[order.Length];
        for (int i = 0; i < order.Length; i++) sorted[i] = scores[order[i]];
        var probs = new double[sorted.Length];
        Probabilities.Softmax(sorted, probs);
        double cumulative = 0;
        int keepFrom = order.Length - _minKeep;
        for (int i = 0; i < order.Length; i++)
        {
            cumulative += probs[i];
            if (cumulative <= 1 - _p && i < keepFrom)
                scores[order[i]] = float.NegativeInfinity;
        }
    }
}
