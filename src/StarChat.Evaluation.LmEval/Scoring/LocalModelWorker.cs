using StarChat.Engine.Inference;

namespace StarChat.Evaluation.LmEval.Scoring;

/// <summary>
/// Scores one document's requests on one model session. The requests' inputs usually share a long prefix (the
/// few-shot prompt and the question); it is evaluated once and each request then appends only its own tail after
/// <see cref="IInferenceSession.Truncate"/> back to the prefix. The session's cache also carries over between
/// documents: MMLU's documents share the subject line and the five dev examples, TruthfulQA's its QA preamble, so only
/// the tokens after the part already cached are evaluated. The maths per request is the harness's
/// (<c>_loglikelihood_tokens</c>): input = (context + continuation)[-(max_length+1):][:-1], the last
/// len(continuation) positions score the continuation.
/// </summary>
internal sealed class LocalModelWorker : IScoringWorker
{
    // Logit rows computed per Append while scoring: bounds memory (rows × vocab floats) for long continuations.
    private const int MaxScoredRows = 128;

    // Unscored tokens between the shared prefix and a request's first scored position (Winogrande's option words) are
    // appended with the scored ones when few: an extra logit row is cheaper than a second pass over the weights.
    private const int MaxUnscoredRowsInline = 32;

    private readonly ILanguageModel _model;
    private readonly LocalModelBackend _backend;
    private readonly IInferenceSession _session;
    private readonly int _vocab;
    private readonly float[] _row;
    private readonly float[] _prefixRow;
    private readonly float[] _rows;
    private readonly List<int> _cached = [];   // the tokens whose keys and values the session holds, in order

    public LocalModelWorker(ILanguageModel model, LocalModelBackend backend)
    {
        _model = model;
        _backend = backend;
        _vocab = model.VocabSize;
        _session = model.CreateSession(backend.MaxLength);
        _row = new float[_vocab];
        _prefixRow = new float[_vocab];
        _rows = new float[MaxScoredRows * _vocab];
    }

    public IReadOnlyList<LoglikelihoodResult> Loglikelihood(IReadOnlyList<EncodedRequest> requests, CancellationToken cancellationToken)
    {
        if (requests.Count == 0)
            return [];
        var windows = requests.Select(Window).ToArray();

        // Shared prefix: common to every input, and no longer than any request's first scored position + 1 (the
        // prefix's last logit row is the only one of it that is kept).
        int prefix = windows.Min(w => w.FirstScored + 1);
        foreach (var w in windows)
            prefix = Math.Min(prefix, CommonPrefix(windows[0].Input, w.Input));

        if (prefix > 0)
        {
            // Reuse what the cache already holds (an earlier document's identical beginning), but evaluate at least
            // the prefix's last token again: its logit row is needed and is not kept between calls.
            int reuse = Math.Min(prefix - 1, CommonPrefix(_cached, windows[0].Input.AsSpan(0, prefix)));
            TruncateTo(reuse);
            Append(windows[0].Input.AsSpan(reuse, prefix - reuse), _prefixRow);
        }
        else
        {
            TruncateTo(0);
        }

        var results = new LoglikelihoodResult[requests.Count];
        for (int r = 0; r < windows.Length; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results[r] = ScoreTail(windows[r], prefix);
        }
        return results;
    }

    private LoglikelihoodResult ScoreTail(RequestWindow w, int prefix)
    {
        var input = w.Input;
        var logProbs = new double[w.Continuation.Length];
        bool greedy = true;
        TruncateTo(prefix);

        int position = prefix;   // next position to append
        if (w.FirstScored == prefix - 1)
        {
            (logProbs[0], bool top) = LogProbRow.Score(_prefixRow, w.Continuation[0]);
            greedy &= top;
        }
        else if (w.FirstScored - prefix > MaxUnscoredRowsInline)
        {
            // Many unscored tokens (a request whose context differs early): one pass for them, logits discarded.
            Append(input.AsSpan(prefix, w.FirstScored - prefix), _row);
            position = w.FirstScored;
        }

        while (position < input.Length)
        {
            int count = Math.Min(MaxScoredRows, input.Length - position);
            var rows = _rows.AsSpan(0, count * _vocab);
            Append(input.AsSpan(position, count), rows);
            for (int i = 0; i < count; i++)
            {
                int target = position + i - w.FirstScored;
                if (target < 0)
                    continue;
                (logProbs[target], bool top) = LogProbRow.Score(rows.Slice(i * _vocab, _vocab), w.Continuation[target]);
                greedy &= top;
            }
            position += count;
        }
        return new LoglikelihoodResult(logProbs.Sum(), greedy, logProbs, input.Length, w.Truncated);
    }

    public GenerationOutput Generate(GenerationInput request, CancellationToken cancellationToken)
    {
        var tokenizer = _backend.Tokenizer;
        int budget = _backend.MaxLength - request.MaxNewTokens;
        if (budget < 1)
            throw new LmEvalException($"max_gen_toks {request.MaxNewTokens} leaves no room for the prompt in max_length {_backend.MaxLength}");
        if (request.PromptIds.Length == 0)
            throw new LmEvalException("the generation prompt is empty");

        // The harness keeps the prompt's last max_length − max_gen_toks tokens.
        int dropped = Math.Max(0, request.PromptIds.Length - budget);
        var prompt = request.PromptIds.AsSpan(dropped);
        var stops = request.StopStrings.Select(s => (Text: s, Tokens: Math.Max(1, tokenizer.Encode(s).Length))).ToArray();
        var eos = _backend.EosTokenIds.ToHashSet();

        // Generation prompts rarely share a beginning (their examples are sampled), so no cache reuse here.
        TruncateTo(0);
        Append(prompt, _row);
        var generated = new List<int>();
        string reason;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int token = LogProbRow.ArgMax(_row);
            generated.Add(token);
            if (eos.Contains(token)) { reason = "eos"; break; }
            if (StopCriterion(generated, stops) is { } stop) { reason = $"stopping criterion '{stop}'"; break; }
            if (generated.Count >= request.MaxNewTokens) { reason = "max_new_tokens"; break; }
            Append([token], _row);
        }

        // LE-PIN slices the output at the untruncated prompt length, so a truncated prompt loses as many generated
        // tokens as it lost prompt tokens (fixtures README §4.4); reproduced because the harness scored that text.
        var kept = generated.Skip(dropped).ToArray();
        string response = tokenizer.Decode(kept, skipSpecialTokens: true);
        foreach (string stop in request.StopStrings)
        {
            int at = response.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0) response = response[..at];
        }
        return new GenerationOutput(response, [.. generated], reason, prompt.Length, dropped);
    }

    /// <summary>
    /// The harness's <c>MultiTokenEOSCriteria</c>: for each stop string, decode the last as many generated tokens as
    /// the string has, special tokens kept, and stop when the string occurs in that text.
    /// </summary>
    private string? StopCriterion(List<int> generated, (string Text, int Tokens)[] stops)
    {
        foreach (var (text, tokens) in stops)
        {
            int take = Math.Min(tokens, generated.Count);
            string tail = _backend.Tokenizer.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(generated)[^take..]);
            if (tail.Contains(text, StringComparison.Ordinal))
                return text;
        }
        return null;
    }

    private RequestWindow Window(EncodedRequest request)
    {
        int[] full = request.FullIds;
        int continuation = request.ContinuationIds.Length;
        if (continuation == 0)
            throw new LmEvalException("a request has an empty continuation: nothing to score");
        int truncated = Math.Max(0, full.Length - (_backend.MaxLength + 1));
        int[] input = full[truncated..^1];
        int firstScored = input.Length - continuation;
        if (firstScored < 0)
            throw new LmEvalException($"a continuation of {continuation} tokens does not fit in max_length {_backend.MaxLength}");
        return new RequestWindow(input, request.ContinuationIds, firstScored, truncated);
    }

    private void TruncateTo(int length)
    {
        _session.Truncate(length);
        if (_cached.Count > length)
            _cached.RemoveRange(length, _cached.Count - length);
    }

    private void Append(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        _session.Append(tokens, logits);
        _cached.AddRange(tokens);
    }

    private static int CommonPrefix(List<int> cached, ReadOnlySpan<int> tokens)
        => CommonPrefix(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(cached), tokens);

    private static int CommonPrefix(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.CommonPrefixLength(b);

    private static int CommonPrefix(int[] a, int[] b) => a.AsSpan().CommonPrefixLength(b);

    public void Dispose()
    {
        _session.Dispose();
        _backend.Release(_model);
    }

    /// <summary>A request's model input after truncation and where its scored positions start.</summary>
    private sealed record RequestWindow(int[] Input, int[] Continuation, int FirstScored, int Truncated);
}
