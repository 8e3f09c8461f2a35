using StarChat.Engine.Inference;
using StarChat.Text.Tokenization;

namespace StarChat.Evaluation.LmEval.Scoring;

/// <summary>
/// Scores with in-process models: one worker per replica (replicas usually share one set of weights and split the
/// cores between them). <c>max_length</c> is the model's context unless given, as the harness reads
/// <c>n_positions</c>.
/// </summary>
public sealed class LocalModelBackend : IScoringBackend
{
    private readonly IReadOnlyList<ILanguageModel> _replicas;
    private readonly System.Collections.Concurrent.ConcurrentQueue<ILanguageModel> _free;

    /// <summary>Creates the backend.</summary>
    /// <param name="replicas">One model per worker; each is used by one thread at a time.</param>
    /// <param name="tokenizer">Decodes generated tokens and encodes stop strings (as the harness's stopping criterion does).</param>
    /// <param name="eosTokenIds">Token ids that end generation (<c>generation_config.json</c> <c>eos_token_id</c>).</param>
    /// <param name="description">Shown in reports.</param>
    /// <param name="maxLength">The harness's <c>max_length</c>; null for the model's context length.</param>
    /// <exception cref="ArgumentException">No replica, or <paramref name="maxLength"/> exceeds a replica's context.</exception>
    public LocalModelBackend(IReadOnlyList<ILanguageModel> replicas, ByteLevelBpeTokenizer tokenizer, IReadOnlyList<int> eosTokenIds,
        string description, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        if (replicas.Count == 0)
            throw new ArgumentException("at least one model replica is needed", nameof(replicas));
        int context = replicas.Min(r => r.ContextLength);
        MaxLength = maxLength ?? context;
        if (MaxLength < 2 || MaxLength > context)
            throw new ArgumentException($"max_length {MaxLength} must be between 2 and the model's context ({context})", nameof(maxLength));
        _replicas = replicas;
        _free = new(replicas);
        Tokenizer = tokenizer;
        EosTokenIds = eosTokenIds;
        Description = description;
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public int MaxLength { get; }

    /// <inheritdoc />
    public int Workers => _replicas.Count;

    /// <summary>The tokenizer used for stop strings and decoding.</summary>
    public ByteLevelBpeTokenizer Tokenizer { get; }

    /// <summary>Ids that end generation.</summary>
    public IReadOnlyList<int> EosTokenIds { get; }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">Every replica is held by an undisposed worker.</exception>
    public IScoringWorker CreateWorker()
        => _free.TryDequeue(out var model)
            ? new LocalModelWorker(model, this)
            : throw new InvalidOperationException($"all {_replicas.Count} model replicas are in use; dispose a worker first");

    /// <summary>Gives a replica back when its worker is disposed.</summary>
    internal void Release(ILanguageModel model) => _free.Enqueue(model);

    /// <summary>Nothing to release: the caller owns the models.</summary>
    public void Dispose()
    {
    }
}
