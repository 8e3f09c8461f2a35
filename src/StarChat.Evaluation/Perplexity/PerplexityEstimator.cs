using StarChat.Engine.Inference;

namespace StarChat.Evaluation.Perplexity;

/// <summary>The running and final perplexity of a text.</summary>
/// <param name="TokenCount">Tokens in the text.</param>
/// <param name="ScoredTokens">Tokens whose probability entered the estimate.</param>
/// <param name="Chunks">PPL after each chunk (llama-perplexity prints these as <c>[1]…[n]</c>).</param>
/// <param name="Final">The estimate: exp(mean negative log-likelihood).</param>
/// <param name="Uncertainty">± one standard error of the estimate, as llama-perplexity reports it.</param>
public sealed record PerplexityResult(int TokenCount, int ScoredTokens, IReadOnlyList<double> Chunks, double Final, double Uncertainty);

/// <summary>
/// Perplexity of a tokenized text. <see cref="NonOverlapping"/> is llama.cpp's <c>llama-perplexity</c>: the text is cut
/// into whole chunks of <c>n_ctx</c> tokens (the remainder is dropped), each evaluated from an empty cache, and only
/// the second half of each chunk is scored (positions n_ctx/2 … n_ctx−2 predict the next token), so every scored
/// token has at least half a context behind it. <see cref="Strided"/> is the Hugging Face recipe (sliding window
/// with a stride; every token scored once, those at the start with less context).
/// </summary>
public static class PerplexityEstimator
{
    /// <summary>llama-perplexity's estimate (no BOS is inserted: StarCoder vocabularies do not add one).</summary>
    /// <exception cref="ArgumentException">The text is shorter than one chunk, or the context is below 4 or above the model's.</exception>
    public static PerplexityResult NonOverlapping(ILanguageModel model, IReadOnlyList<int> tokens, int context, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        if (context < 4 || context > model.ContextLength)
            throw new ArgumentException($"the context (-c) must be between 4 and the model's {model.ContextLength}, got {context}");
        int chunks = tokens.Count / context;
        if (chunks == 0)
            throw new ArgumentException($"the text has {tokens.Count} tokens, fewer than one chunk of {context}: use a smaller -c or a longer text");
        int first = context / 2;
        var logits = new float[context * model.VocabSize];
        var accumulator = new NllAccumulator();
        var running = new List<double>(chunks);
        for (int c = 0; c < chunks; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = tokens.Skip(c * context).Take(context).ToArray();
            using (var session = model.CreateSession(context))
                session.Append(chunk, logits);
            for (int j = first; j < context - 1; j++)
                accumulator.Add(NegativeLogLikelihood(logits.AsSpan(j * model.VocabSize, model.VocabSize), chunk[j + 1]));
            running.Add(accumulator.Perplexity);
            progress?.Report((c + 1, chunks));
        }
        return new PerplexityResult(tokens.Count, accumulator.Count, running, accumulator.Perplexity, accumulator.Uncertainty);
    }

    /// <summary>
    /// The Hugging Face recipe: windows of <paramref name="context"/> tokens moved by <paramref name="stride"/>; each
    /// window scores only the tokens not scored by the previous one, with everything before them in the window as
    /// context. The first token of the text is never scored.
    /// </summary>
    /// <exception cref="ArgumentException">Bad context or stride, or a text shorter than 2 tokens.</exception>
    public static PerplexityResult Strided(ILanguageModel model, IReadOnlyList<int> tokens, int context, int stride, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        if (context < 2 || context > model.ContextLength)
            throw new ArgumentException($"the context must be between 2 and the model's {model.ContextLength}, got {context}");
        if (stride < 1 || stride > context)
            throw new ArgumentException($"the stride must be between 1 and the context ({context}), got {stride}");
        if (tokens.Count < 2)
            throw new ArgumentException("the text needs at least 2 tokens");
        var accumulator = new NllAccumulator();
        var running = new List<double>();
        var logits = new float[context * model.VocabSize];
        int previousEnd = 0, windows = (int)Math.Ceiling(Math.Max(1, tokens.Count - 1) / (double)stride);
        for (int begin = 0, w = 0; begin < tokens.Count && previousEnd < tokens.Count; begin += stride, w++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int end = Math.Min(begin + context, tokens.Count);
            var window = tokens.Skip(begin).Take(end - begin).ToArray();
            int targets = end - previousEnd;                     // the tokens new to this window
            var rows = logits.AsSpan(0, window.Length * model.VocabSize);
            using (var session = model.CreateSession(context))
                session.Append(window, window.Length == 1 ? rows[..model.VocabSize] : rows);
            for (int k = Math.Max(1, window.Length - targets); k < window.Length; k++)
                accumulator.Add(NegativeLogLikelihood(rows.Slice((k - 1) * model.VocabSize, model.VocabSize), window[k]));
            running.Add(accumulator.Perplexity);
            previousEnd = end;
            progress?.Report((w + 1, windows));
            if (end == tokens.Count) break;
        }
        return new PerplexityResult(tokens.Count, accumulator.Count, running, accumulator.Perplexity, accumulator.Uncertainty);
    }

    /// <summary>−log softmax(row)[target], in double.</summary>
    internal static double NegativeLogLikelihood(ReadOnlySpan<float> row, int target)
    {
        double max = double.NegativeInfinity;
        foreach (var v in row) if (v > max) max = v;
        double sum = 0;
        foreach (var v in row) sum += Math.Exp(v - max);
        return max + Math.Log(sum) - row[target];
    }

    private sealed class NllAccumulator
    {
        private double _sum, _sumSquares;

        public int Count { get; private set; }

        public void Add(double nll)
        {
            _sum += nll;
            _sumSquares += nll * nll;
            Count++;
        }

        public double Perplexity => Math.Exp(_sum / Count);

        /// <summary>llama-perplexity's error: PPL × standard error of the mean NLL.</summary>
        public double Uncertainty
        {
            get
            {
                if (Count < 2) return double.NaN;
                double mean = _sum / Count, variance = _sumSquares / Count - mean * mean;
                return Perplexity * Math.Sqrt(Math.Max(0, variance) / (Count - 1));
            }
        }
    }
}
