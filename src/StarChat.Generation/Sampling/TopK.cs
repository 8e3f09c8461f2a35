namespace StarChat.Generation.Sampling;

/// <summary>
/// HF <c>TopKLogitsWarper</c>: keeps tokens whose score is at least the k-th largest (ties at the boundary survive);
/// k is raised to <c>min_tokens_to_keep</c>.
/// </summary>
public sealed class TopK : ILogitsProcessor
{
    private readonly int _k;

    /// <summary>Creates the warper.</summary>
    /// <exception cref="ArgumentOutOfRangeException">k is not positive.</exception>
    public TopK(int k, int minTokensToKeep = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        _k = Math.Max(k, minTokensToKeep);
    }

    /// <inheritdoc />
    public void Apply(Span<float> scores, ReadOnlySpan<int> context)
    {
        int k = Math.Min(_k, scores.Length);
        if (k >= scores.Length) return;
        float threshold = KthLargest(scores, k);
        for (int i = 0; i < scores.Length; i++)
            if (scores[i] < threshold)
                scores[i] = float.NegativeInfinity;
    }

    /// <summary>The k-th largest value (1-based) by a partial sort of a copy.</summary>
    internal static float KthLargest(ReadOnlySpan<float> values, int k)
    {
        var copy = values.ToArray();
        // Descending order of the first k: a full sort is fast enough for one vocabulary row per step.
        Array.Sort(copy, static (a, b) => b.CompareTo(a));
        return copy[k - 1];
    }
}
