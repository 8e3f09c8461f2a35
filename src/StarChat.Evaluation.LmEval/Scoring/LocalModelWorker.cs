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
        var sequence = new GreedyGeneration(request, _backend.Tokenizer, _backend.EosTokenIds, _backend.MaxLength);
        // Generation prompts rarely share a beginning (their examples are sampled), so no cache reuse here.
        TruncateTo(0);
        Append(sequence.Prompt, _row);
        while (sequence.Step(_row))
        {
            cancellationToken.ThrowIfCancellationRequested();
            Append([sequence.LastToken], _row);
        }
        return sequence.Finish();
    }

    public IReadOnlyList<GenerationOutput> GenerateMany(IReadOnlyList<GenerationInput> requests, CancellationToken cancellationToken)
    {
        if (_model is not IBatchedLanguageModel batched || requests.Count < 2)
            return [.. requests.Select(r => Generate(r, cancellationToken))];

        // Decoding reads every weight once per step however many sequences step together, so the documents advance
        // in one batched pass per token (continuous batching; finished sequences drop out).
        var sequences = requests.Select(r => new GreedyGeneration(r, _backend.Tokenizer, _backend.EosTokenIds, _backend.MaxLength)).ToArray();
        var sessions = new IInferenceSession[sequences.Length];
        try
        {
            var active = new List<int>();
            for (int i = 0; i < sequences.Length; i++)
            {
                sessions[i] = batched.CreateSession(sequences[i].Capacity);
                sessions[i].Append(sequences[i].Prompt, _row);
                if (sequences[i].Step(_row))
                    active.Add(i);
            }
            var rows = new float[sequences.Length * _vocab];
            var tokens = new int[sequences.Length];
            while (active.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = active.Count;
                for (int k = 0; k < n; k++)
                    tokens[k] = sequences[active[k]].LastToken;
                batched.DecodeBatch([.. active.Select(i => sessions[i])], tokens.AsSpan(0, n), rows.AsSpan(0, n * _vocab));
                var still = new List<int>(n);
                for (int k = 0; k < n; k++)
                {
                    if (sequences[active[k]].Step(rows.AsSpan(k * _vocab, _vocab)))
                        still.Add(active[k]);
                }
                active = still;
            }
            return [.. sequences.Select(s => s.Finish())];
        }
        finally
        {
            foreach (var session in sessions) session?.Dispose();
        }
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
