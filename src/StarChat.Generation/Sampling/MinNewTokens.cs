namespace StarChat.Generation.Sampling;

/// <summary>
/// HF <c>MinNewTokensLengthLogitsProcessor</c>: end-of-sequence ids cannot be chosen until
/// <paramref name="minNewTokens"/> tokens have been generated after the prompt.
/// </summary>
/// <param name="minNewTokens">Tokens to generate before EOS is allowed.</param>
/// <param name="promptLength">Length of the prompt within the context.</param>
/// <param name="eosTokenIds">The end-of-sequence ids.</param>
public sealed class MinNewTokens(int minNewTokens, int promptLength, IReadOnlyList<int> eosTokenIds) : ILogitsProcessor
{
    /// <inheritdoc />
    public void Apply(Span<float> scores, ReadOnlySpan<int> context)
    {
        if (context.Length - promptLength >= minNewTokens) return;
        foreach (int id in eosTokenIds)
            if ((uint)id < (uint)scores.Length)
                scores[id] = float.NegativeInfinity;
    }
}
