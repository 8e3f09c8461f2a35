namespace StarChat.Engine.Inference;

/// <summary>A causal language model that can be run token by token with a cache: what generation and evaluation need.</summary>
public interface ILanguageModel
{
    /// <summary>Number of logits per position.</summary>
    int VocabSize { get; }

    /// <summary>Longest sequence the model can attend over (positions 0 .. ContextLength − 1).</summary>
    int ContextLength { get; }

    /// <summary>Starts an empty sequence with its own key/value cache.</summary>
    /// <param name="capacity">Tokens the cache must hold; at most <see cref="ContextLength"/>; null for the full context.</param>
    IInferenceSession CreateSession(int? capacity = null);
}

/// <summary>A model that can advance several sequences by one token in a single pass (continuous batching).</summary>
public interface IBatchedLanguageModel : ILanguageModel
{
    /// <summary>
    /// Appends <c>tokens[i]</c> to <c>sessions[i]</c> for every i in one pass and writes each one's next-token logits
    /// to row i of <paramref name="logits"/> (<c>[n, vocab]</c>). Each session appears at most once.
    /// </summary>
    /// <exception cref="ArgumentException">A session is foreign or repeated, or a buffer has the wrong size.</exception>
    /// <exception cref="ContextOverflowException">A session is full.</exception>
    void DecodeBatch(IReadOnlyList<IInferenceSession> sessions, ReadOnlySpan<int> tokens, Span<float> logits);
}

/// <summary>
/// One sequence being evaluated: tokens appended so far and their cached keys and values. Not thread-safe; the
/// model may run a call on several threads internally.
/// </summary>
public interface IInferenceSession : IDisposable
{
    /// <summary>Tokens processed so far (the next token's position).</summary>
    int Length { get; }

    /// <summary>Tokens the cache can hold.</summary>
    int Capacity { get; }

    /// <summary>
    /// Appends <paramref name="tokens"/> (processed as one batch) and writes next-token logits: for the last token only
    /// when <paramref name="logits"/> holds one row, or for every appended token when it holds <c>tokens.Length</c> rows.
    /// </summary>
    /// <exception cref="ContextOverflowException">The tokens do not fit in the remaining capacity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A token id is outside the vocabulary, or the logits buffer has a wrong size.</exception>
    void Append(ReadOnlySpan<int> tokens, Span<float> logits);

    /// <summary>Forgets everything after the first <paramref name="length"/> tokens (to reuse a shared prefix).</summary>
    void Truncate(int length);
}

/// <summary>
/// A session that can run its sequence with one of the model's selectable LoRA adapters, so sequences with different
/// adapters (and none) can share one <see cref="IBatchedLanguageModel.DecodeBatch"/> pass.
/// </summary>
public interface IAdapterSession : IInferenceSession
{
    /// <summary>Selectable adapters the model holds (ids 1 .. this).</summary>
    int AdapterCount { get; }

    /// <summary>
    /// The adapter this sequence runs with: 0 for none, 1 .. <see cref="AdapterCount"/> for one. It can change only
    /// while the session is empty, so cached keys and values never mix adapters.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">No such adapter.</exception>
    /// <exception cref="InvalidOperationException">The session holds tokens (truncate it to 0 first).</exception>
    int Adapter { get; set; }
}

/// <summary>A sequence would run past the model's context (or the session's capacity).</summary>
public sealed class ContextOverflowException(int needed, int capacity)
    : Exception($"the sequence needs {needed} tokens but the context holds {capacity}")
{
    /// <summary>Tokens the operation needed.</summary>
    public int Needed { get; } = needed;

    /// <summary>Tokens available.</summary>
    public int Capacity { get; } = capacity;
}
