using System.Diagnostics;
using System.Runtime.InteropServices;
using StarChat.Engine.Inference;
using StarChat.Generation.Sampling;
using StarChat.Text.Tokenization;

namespace StarChat.Generation;

/// <summary>
/// Generates text for one sequence: the prompt is evaluated as one batch, then one token at a time from the cache,
/// each picked by a <see cref="TokenSampler"/> and turned into text by a <see cref="StreamingDecoder"/>.
/// </summary>
public sealed class TextGenerator(ILanguageModel model, ByteLevelBpeTokenizer tokenizer)
{
    /// <summary>The model.</summary>
    public ILanguageModel Model { get; } = model;

    /// <summary>The tokenizer.</summary>
    public ByteLevelBpeTokenizer Tokenizer { get; } = tokenizer;

    /// <summary>
    /// Streams the generated tokens. The last step has <see cref="GenerationStep.Finish"/> set. Timing of the prompt
    /// and of each token is reported through <paramref name="stats"/> when given.
    /// </summary>
    /// <exception cref="ContextOverflowException">The prompt does not fit in the model's context.</exception>
    /// <exception cref="ArgumentException">The prompt is empty or a sampling setting is out of range.</exception>
    public IEnumerable<GenerationStep> Stream(GenerationRequest request, GenerationStats? stats = null, CancellationToken cancellationToken = default)
    {
        if (request.PromptIds.Count == 0)
            throw new ArgumentException("the prompt is empty: there is nothing to continue", nameof(request));
        if (request.PromptIds.Count >= Model.ContextLength)
            throw new ContextOverflowException(request.PromptIds.Count + 1, Model.ContextLength);
        request.Sampling.Validate();
        // Arguments are checked now; the model runs as the caller enumerates.
        return Iterate(request, stats, cancellationToken);
    }

    /// <summary>
    /// As <see cref="Stream(GenerationRequest, GenerationStats?, CancellationToken)"/>, on a caller-owned cache: the
    /// prompt's prefix already in <paramref name="cache"/> is reused, and the cache holds prompt + output afterwards.
    /// </summary>
    public IEnumerable<GenerationStep> Stream(PromptCache cache, GenerationRequest request, GenerationStats? stats = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (request.PromptIds.Count == 0)
            throw new ArgumentException("the prompt is empty: there is nothing to continue", nameof(request));
        if (request.PromptIds.Count >= cache.Session.Capacity)
            throw new ContextOverflowException(request.PromptIds.Count + 1, cache.Session.Capacity);
        request.Sampling.Validate();
        return StreamCore(cache, request, stats, cancellationToken);
    }

    private IEnumerable<GenerationStep> Iterate(GenerationRequest request, GenerationStats? stats, CancellationToken cancellationToken)
    {
        using var cache = new PromptCache(Model.CreateSession());
        foreach (var step in StreamCore(cache, request, stats, cancellationToken))
            yield return step;
    }

    private IEnumerable<GenerationStep> StreamCore(PromptCache cache, GenerationRequest request, GenerationStats? stats,
        CancellationToken cancellationToken)
    {
        var session = cache.Session;
        var sampler = new TokenSampler(request.Sampling, request.PromptIds.Count, request.StopTokenIds);
        var decoder = new StreamingDecoder(Tokenizer, request.StopStrings, request.SkipSpecialTokens);
        var context = new List<int>(request.PromptIds);
        var logits = new float[Model.VocabSize];
        var stopIds = new HashSet<int>(request.StopTokenIds);

        var watch = Stopwatch.StartNew();
        cache.Prefill([.. request.PromptIds], logits);
        if (stats is not null)
        {
            stats.PromptTokens = request.PromptIds.Count;
            stats.ReusedPromptTokens = cache.LastReused;
            stats.PromptTime = watch.Elapsed;
        }
        watch.Restart();

        for (int generated = 0; ; generated++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (generated >= request.Sampling.MaxNewTokens)
            {
                yield return Final(decoder, FinishReason.Length);
                yield break;
            }
            int id = sampler.Next(logits, CollectionsMarshal.AsSpan(context), out _);
            var (logProb, top) = LogProbs(logits, id, request.TopLogProbs);
            context.Add(id);
            if (stats is not null)
            {
                stats.GeneratedTokens = generated + 1;
                stats.GenerationTime = watch.Elapsed;
            }

            if (stopIds.Contains(id))
            {
                string rest = decoder.Finish();
                yield return new GenerationStep { TokenId = id, Text = rest, LogProb = logProb, TopLogProbs = top, IsStopToken = true, Finish = FinishReason.EndOfSequence };
                yield break;
            }
            string text = decoder.Push(id);
            if (decoder.IsStopped)
            {
                yield return new GenerationStep { TokenId = id, Text = text, LogProb = logProb, TopLogProbs = top, Finish = FinishReason.StopString };
                yield break;
            }
            // Prompt plus generated tokens never exceed the context: this token is the last that fits.
            if (session.Length + 1 >= session.Capacity)
            {
                yield return new GenerationStep { TokenId = id, Text = text + decoder.Finish(), LogProb = logProb, TopLogProbs = top, Finish = FinishReason.ContextFull };
                yield break;
            }
            yield return new GenerationStep { TokenId = id, Text = text, LogProb = logProb, TopLogProbs = top };
            cache.Append(id, logits);
        }
    }

    private static GenerationStep Final(StreamingDecoder decoder, FinishReason reason)
        => new() { TokenId = -1, Text = decoder.Finish(), Finish = reason };

    /// <summary>log softmax of the raw logits for <paramref name="id"/>, and the <paramref name="top"/> most likely tokens.</summary>
    internal static (float LogProb, IReadOnlyList<TokenLogProb> Top) LogProbs(ReadOnlySpan<float> logits, int id, int top)
    {
        float max = float.NegativeInfinity;
        foreach (var l in logits) if (l > max) max = l;
        double sum = 0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        double logZ = max + Math.Log(sum);
        float lp = (float)(logits[id] - logZ);
        if (top <= 0)
            return (lp, []);
        var best = new List<TokenLogProb>(top + 1);
        for (int i = 0; i < logits.Length; i++)
        {
            if (best.Count == top && logits[i] <= best[^1].LogProb + logZ) continue;
            var entry = new TokenLogProb(i, (float)(logits[i] - logZ));
            int at = best.FindIndex(b => b.LogProb < entry.LogProb);
            best.Insert(at < 0 ? best.Count : at, entry);
            if (best.Count > top) best.RemoveAt(best.Count - 1);
        }
        return (lp, best);
    }
}

/// <summary>Counts and timings of one generation, filled in as it runs.</summary>
public sealed class GenerationStats
{
    /// <summary>Prompt tokens evaluated.</summary>
    public int PromptTokens { get; set; }

    /// <summary>Prompt tokens found in the cache and not evaluated again.</summary>
    public int ReusedPromptTokens { get; set; }

    /// <summary>Time to evaluate the prompt (the time to first token, less sampling).</summary>
    public TimeSpan PromptTime { get; set; }

    /// <summary>Tokens generated so far.</summary>
    public int GeneratedTokens { get; set; }

    /// <summary>Time spent generating after the prompt.</summary>
    public TimeSpan GenerationTime { get; set; }

    /// <summary>Generated tokens per second.</summary>
    public double TokensPerSecond => GenerationTime.TotalSeconds > 0 ? GeneratedTokens / GenerationTime.TotalSeconds : 0;
}
