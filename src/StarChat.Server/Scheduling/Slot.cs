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

    /// <summary>Step at which the slot was last given a sequence (ties in prefix length go to the least recently used).</summary>
    public long LastUsed { get; set; }

    /// <summary>Length of the common prefix of the cached tokens and <paramref name="prompt"/>, leaving its last token to evaluate.</summary>
    public int CommonPrefix(IReadOnlyList<int> prompt)
    {
        int max = Math.Min(Tokens.Count, prompt.Count - 1);
        int n = 0;
        while (n < max && Tokens[n] == prompt[n])
            n++;
        return n;
    }

    /// <summary>Forgets everything after <paramref name="length"/> tokens.</summary>
    public void Truncate(int length)
    {
        Session?.Truncate(length);
        if (length < Tokens.Count)
            Tokens.RemoveRange(length, Tokens.Count - length);
    }
}
