namespace StarChat.Evaluation.LmEval.Scoring;

/// <summary>
/// Something that answers the harness's two request kinds: a local model or a remote completions endpoint. The
/// runner asks it for <see cref="Workers"/> workers and gives each one document at a time.
/// </summary>
public interface IScoringBackend : IDisposable
{
    /// <summary>Shown in reports (<c>config.model</c>).</summary>
    string Description { get; }

    /// <summary>The harness's <c>max_length</c>: longest model input; longer requests are truncated on the left.</summary>
    int MaxLength { get; }

    /// <summary>Documents scored at the same time (one worker each).</summary>
    int Workers { get; }

    /// <summary>A worker; workers may run on different threads, one worker is used by one thread at a time.</summary>
    IScoringWorker CreateWorker();
}

/// <summary>Scores one document's requests at a time.</summary>
public interface IScoringWorker : IDisposable
{
    /// <summary>
    /// Scores every request of one document. They usually share their context; a worker may evaluate the shared
    /// part once. Results are in request order.
    /// </summary>
    /// <exception cref="LmEvalException">A request cannot be scored (a continuation longer than the context window, an endpoint error).</exception>
    IReadOnlyList<LoglikelihoodResult> Loglikelihood(IReadOnlyList<EncodedRequest> requests, CancellationToken cancellationToken);

    /// <summary>Greedy generation until a stop string, as the harness's <c>greedy_until</c>.</summary>
    /// <exception cref="LmEvalException">The prompt cannot be run.</exception>
    GenerationOutput Generate(GenerationInput input, CancellationToken cancellationToken);

    /// <summary>
    /// Several greedy generations at once (a local model advances them together, one batched pass per token);
    /// results in input order, each as <see cref="Generate"/> would give it.
    /// </summary>
    /// <exception cref="LmEvalException">A prompt cannot be run.</exception>
    IReadOnlyList<GenerationOutput> GenerateMany(IReadOnlyList<GenerationInput> inputs, CancellationToken cancellationToken)
        => [.. inputs.Select(i => Generate(i, cancellationToken))];
}

/// <summary>A greedy generation request.</summary>
/// <param name="PromptIds">The prompt's tokens, untruncated.</param>
/// <param name="StopStrings">The harness's <c>until</c> list (EOS text included); the response is cut before each.</param>
/// <param name="MaxNewTokens">The harness's <c>max_gen_toks</c>.</param>
public sealed record GenerationInput(int[] PromptIds, IReadOnlyList<string> StopStrings, int MaxNewTokens);

/// <summary>What a greedy generation produced.</summary>
/// <param name="Response">The text the harness scores (after its slicing, decoding and stop-string cut).</param>
/// <param name="GeneratedIds">Every generated token, a stop token included (empty for an endpoint).</param>
/// <param name="StopReason">Why generation ended (<c>max_new_tokens</c>, <c>eos</c>, <c>stopping criterion '…'</c>, or the endpoint's finish reason).</param>
/// <param name="InputLength">Prompt tokens fed to the model after truncation.</param>
/// <param name="PromptTruncatedTokens">Prompt tokens dropped on the left.</param>
public sealed record GenerationOutput(string Response, int[] GeneratedIds, string StopReason, int InputLength, int PromptTruncatedTokens);
