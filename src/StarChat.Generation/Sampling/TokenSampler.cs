namespace StarChat.Generation.Sampling;

/// <summary>
/// Picks the next token the way Hugging Face <c>generate()</c> does: processors in HF's order — repetition penalty,
/// min-new-tokens, then (sampling only) temperature → top-k → top-p → min-p → typical-p — then argmax, or a draw
/// from the softmax with a seeded random source. One sampler per sequence (it holds the random state).
/// </summary>
public sealed class TokenSampler
{
    private readonly ILogitsProcessor[] _processors;
    private readonly Random _random;
    private readonly bool _sample;
    private float[] _scores = [];
    private double[] _probs = [];

    /// <summary>Builds the processor chain for <paramref name="options"/>.</summary>
    /// <param name="options">Settings (validated here).</param>
    /// <param name="promptLength">Prompt length within the context passed to <see cref="Next"/> (for min-new-tokens).</param>
    /// <param name="eosTokenIds">End-of-sequence ids (for min-new-tokens).</param>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public TokenSampler(SamplingOptions options, int promptLength, IReadOnlyList<int> eosTokenIds)
    {
        options.Validate();
        var list = new List<ILogitsProcessor>();
        if (options.RepetitionPenalty is { } penalty && penalty != 1f)
            list.Add(new RepetitionPenalty(penalty));
        if (options.MinNewTokens > 0 && eosTokenIds.Count > 0)
            list.Add(new MinNewTokens(options.MinNewTokens, promptLength, eosTokenIds));
        // HF treats temperature 0 as "no sampling".
        _sample = options.DoSample && options.Temperature is not 0f;
        if (_sample)
        {
            if (options.Temperature is { } t && t != 1f) list.Add(new Temperature(t));
            if (options.TopK is > 0) list.Add(new TopK(options.TopK.Value));
            if (options.TopP is { } p && p < 1f) list.Add(new TopP(p));
            if (options.MinP is { } m && m > 0f) list.Add(new MinP(m));
            if (options.TypicalP is { } tp && tp < 1f) list.Add(new TypicalP(tp));
        }
        _processors = [.. list];
        _random = options.Seed is { } seed ? new Random(seed) : new Random();
    }

    /// <summary>The processors in the order they run.</summary>
    public IReadOnlyList<ILogitsProcessor> Processors => _processors;

    /// <summary>True when tokens are drawn at random, false for greedy.</summary>
    public bool IsSampling => _sample;

    /// <summary>
    /// The next token for one row of raw logits. <paramref name="processedLogProb"/> receives the processed scores' log-softmax
    /// value of the chosen token (what TGI and OpenAI report as the token's logprob under the sampling distribution).
    /// </summary>
    public int Next(ReadOnlySpan<float> logits, ReadOnlySpan<int> context, out float processedLogProb)
    {
        if (_scores.Length != logits.Length)
        {
            _scores = new float[logits.Length];
            _probs = new double[logits.Length];
        }
        logits.CopyTo(_scores);
        foreach (var p in _processors)
            p.Apply(_scores, context);

        Probabilities.Softmax(_scores, _probs);
        int chosen = _sample ? Draw(_probs) : ArgMax(_scores);
        processedLogProb = (float)Math.Log(_probs[chosen]);
        return chosen;
    }

    /// <summary>Argmax, lowest index on ties.</summary>
    public static int ArgMax(ReadOnlySpan<float> scores)
    {
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
            if (scores[i] > scores[best]) best = i;
        return best;
    }

    private int Draw(double[] probs)
    {
        double u = _random.NextDouble();
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < probs.Length; i++)
        {
            if (probs[i] <= 0) continue;
            last = i;
            cumulative += probs[i];
            if (u < cumulative) return i;
        }
        // Rounding left u above the total: the last token with mass.
        return last >= 0 ? last : ArgMax(_scores);
    }
}
