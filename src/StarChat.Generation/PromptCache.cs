using StarChat.Engine.Inference;

namespace StarChat.Generation;

/// <summary>
/// A session that remembers which tokens its cache holds, so the next prompt that starts the same way (the next turn
/// of a conversation, a retry) only evaluates what is new. Not thread-safe.
/// </summary>
public sealed class PromptCache(IInferenceSession session) : IDisposable
{
    private readonly List<int> _tokens = [];

    /// <summary>The underlying session.</summary>
    public IInferenceSession Session { get; } = session;

    /// <summary>The tokens whose keys and values the cache holds, in order.</summary>
    public IReadOnlyList<int> Tokens => _tokens;

    /// <summary>Tokens reused from the cache by the last <see cref="Prefill"/>.</summary>
    public int LastReused { get; private set; }

    /// <summary>
    /// Makes the cache hold exactly <paramref name="prompt"/> and writes the next-token logits of its last token. The
    /// longest common prefix with what is cached is kept; at least the last prompt token is evaluated again, since
    /// its logits are needed.
    /// </summary>
    /// <exception cref="ContextOverflowException">The prompt does not fit.</exception>
    public void Prefill(ReadOnlySpan<int> prompt, Span<float> logits)
    {
        if (prompt.IsEmpty)
            throw new ArgumentException("the prompt is empty", nameof(prompt));
        int common = 0;
        int max = Math.Min(Math.Min(_tokens.Count, prompt.Length - 1), Session.Length);
        while (common < max && _tokens[common] == prompt[common])
            common++;
        Session.Truncate(common);
        _tokens.RemoveRange(common, _tokens.Count - common);
        LastReused = common;
        Session.Append(prompt[common..], logits);
        _tokens.AddRange(prompt[common..]);
    }

    /// <summary>Appends one generated token and writes the logits that follow it.</summary>
    public void Append(int token, Span<float> logits)
    {
        Session.Append([token], logits);
        _tokens.Add(token);
    }

    /// <summary>Records a token appended to <see cref="Session"/> by a batched step.</summary>
    public void RecordAppended(int token) => _tokens.Add(token);

    /// <summary>Disposes the session.</summary>
    public void Dispose() => Session.Dispose();
}
