using StarChat.Engine.Inference;

namespace StarChat.Server.Scheduling;

/// <summary>
/// One KV-cache slot. It keeps its cache after a sequence finishes, and remembers which tokens the cache holds, so
/// a later request that starts the same way (the next turn of the conversation) only evaluates what is new.
/// </summary>
internal sealed class Slot(int index)
{
    public int Index { get; } = index;

    /// <summary>Created on first use.</summary>
    public IInferenceSession? Session { get; set; }

    /// <summary>The tokens whose keys and values the cache holds, in order (always <c>Session.Length</c> long).</summary>
    public List<int> Tokens { get; } = [];

    /// <summary>The sequence running here, or null when the slot is free.</summary>
    public ActiveSequence? Active { get; set; }

    /// <summary>The adapter the cached keys and values were computed with (0: none).</summary>
    public int Adapter { get; private set; }

    /// <summary>Step at which the slot was last given a sequence (ties in prefix length go to the least recently used).</summary>
    public long LastUsed { get; set; }

    /// <summary>
    /// Length of the common prefix of the cached tokens and <paramref name="prompt"/>, leaving its last token to
    /// evaluate; 0 when the cache was computed with another adapter.
    /// </summary>
    public int CommonPrefix(IReadOnlyList<int> prompt, int adapter)
    {
        if (adapter != Adapter)
            return 0;
        int max = Math.Min(Tokens.Count, prompt.Count - 1);
        int n = 0;
        while (n < max && Tokens[n] == prompt[n])
            n++;
        return n;
    }

    /// <summary>Empties the cache when <paramref name="adapter"/> differs from the one it was computed with, then switches to it.</summary>
    /// <exception cref="NotSupportedException">An adapter is asked for but the model's sessions cannot take one.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The model has no such adapter.</exception>
    public void UseAdapter(int adapter)
    {
        if (adapter == Adapter)
            return;
        Truncate(0);
        if (Session is IAdapterSession session)
            session.Adapter = adapter;
        else if (adapter != 0)
            throw new NotSupportedException("this model cannot run LoRA adapters per sequence");
        Adapter = adapter;
    }

    /// <summary>Forgets everything after <paramref name="length"/> tokens.</summary>
    public void Truncate(int length)
    {
        Session?.Truncate(length);
        if (length < Tokens.Count)
            Tokens.RemoveRange(length, Tokens.Count - length);
    }
}
