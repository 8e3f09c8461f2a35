using StarChat.Engine.Inference;

namespace StarChat.Engine.Models.GptBigCode;

/// <summary>One sequence over a <see cref="GptBigCodeModel"/>: its cache and how much of it is filled.</summary>
internal sealed class GptBigCodeSession(GptBigCodeModel model, KvCache cache) : IInferenceSession
{
    public GptBigCodeModel Model => model;

    public KvCache Cache => cache;

    public int Length { get; private set; }

    public int Capacity => cache.Capacity;

    public void Append(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        if (tokens.IsEmpty)
            throw new ArgumentException("no tokens to append", nameof(tokens));
        model.Forward(cache, Length, tokens, logits);
        Length += tokens.Length;
    }

    /// <summary>Counts tokens appended by a batched step.</summary>
    internal void Advance(int count) => Length += count;

    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = Math.Min(Length, length);
    }

    public void Dispose()
    {
    }
}
