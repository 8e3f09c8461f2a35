namespace StarChat.Generation.Sampling;

/// <summary>
/// HF <c>TypicalLogitsWarper</c> (locally typical sampling, Meister et al.): orders tokens by how far their surprisal
/// is from the distribution's entropy, keeps the closest ones until their mass reaches <c>typical_p</c> (plus every
/// token tied with the last one kept), and at least <c>min_tokens_to_keep</c>.
/// </summary>
public sealed class TypicalP : ILogitsProcessor
{
    private readonly double _mass;
    private readonly int _minKeep;

    /// <summary>Creates the warper.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The mass is outside (0, 1).</exception>
    public TypicalP(float mass, int minTokensToKeep = 1)
    {
        if (!(mass > 0 && mass < 1))
            throw new ArgumentOutOfRangeException(nameof(mass), mass, "typical_p must be in (0, 1)");
        _mass = mass;
        _minKeep = Math.Max(1, minTokensToKeep);
    }

    /// <inheritdoc />
    public void Apply(Span<float> scores, ReadOnlySpan<int> context)
    {
        int n = scores.Length;
        var probs = new double[n];
        Probabilities.Softmax(scores, probs);
        double entropy = 0;
        var logp = new double[n];
        for (int i = 0; i < n; i++)
        {
            logp[i] = Math.Log(probs[i]);
            if (probs[i] > 0) entropy -= logp[i] * probs[i];     // nansum: 0·log 0 contributes nothing
        }
        var shifted = new float[n];
        for (int i = 0; i < n; i++)
            shifted[i] = (float)Math.Abs(-logp[i] - entropy);
        int[] order = Probabilities.SortedIndices(shifted, descending: false);

        double cumulative = 0;
        int lastIndex = 0;
        for (int r = 0; r < n; r++)
        {
            cumulative += probs[order[r]];
            if (cumulative < _mass) lastIndex++;
        }
        lastIndex = Math.Min(lastIndex, n - 1);
        float cutoff = shifted[order[lastIndex]];
        for (int r = _minKeep; r < n; r++)
        {
            int i = order[r];
            if (shifted[i] > cutoff)
                scores[i] = float.NegativeInfinity;
        }
    }
}
