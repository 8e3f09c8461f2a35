namespace StarChat.Generation.Sampling;

/// <summary>
/// HF <c>MinPLogitsWarper</c>: removes tokens whose probability is below <c>min_p</c> × the top probability, keeping
/// at least <c>min_tokens_to_keep</c> of the most likely.
/// </summary>
public sealed class MinP : ILogitsProcessor
{
    private readonly double _minP;
    private readonly int _minKeep;

    /// <summary>Creates the warper.</summary>
    /// <exception cref="ArgumentOutOfRangeException">min_p is outside [0, 1].</exception>
    public MinP(float minP, int minTokensToKeep = 1)
    {
        if (!(minP >= 0 && minP <= 1))
            throw new ArgumentOutOfRangeException(nameof(minP), minP, "min_p must be in [0, 1]");
        _minP = minP;
        _minKeep = Math.Max(1, minTokensToKeep);
    }

    /// <inheritdoc />
    public void Apply(Span<float> scores, ReadOnlySpan<int> context)
    {
        var probs = new double[scores.Length];
        Probabilities.Softmax(scores, probs);
        double threshold = _minP * probs.Max();
        int[] order = Probabilities.SortedIndices(scores, descending: true);
        for (int rank = _minKeep; rank < order.Length; rank++)
        {
            int i = order[rank];
            if (probs[i] < threshold)
                scores[i] = float.NegativeInfinity;
        }
    }
}
