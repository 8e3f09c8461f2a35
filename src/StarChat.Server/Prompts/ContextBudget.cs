using StarChat.Server.Requests;

namespace StarChat.Server.Prompts;

/// <summary>How many tokens a request may generate: what it asked for, clamped to what fits after its prompt.</summary>
public static class ContextBudget
{
    /// <summary>
    /// <paramref name="requested"/> (or <paramref name="fallback"/>) clamped to <c>capacity − promptTokens</c>, so a
    /// <c>max_tokens</c> of a billion simply runs until the context is full.
    /// </summary>
    /// <exception cref="InvalidRequestException">The prompt alone fills the context (code <c>context_length_exceeded</c>).</exception>
    public static int MaxNewTokens(int promptTokens, int? requested, int fallback, int capacity, string param = "messages")
    {
        if (promptTokens >= capacity)
        {
            throw new InvalidRequestException(
                $"the prompt has {promptTokens} tokens but the context holds {capacity}, leaving no room for a reply; shorten the prompt",
                param, "context_length_exceeded");
        }
        return Math.Min(requested ?? fallback, capacity - promptTokens);
    }
}
