using StarChat.Engine.Inference;

namespace StarChat.Engine.Models.GptBigCode;

/// <summary>One sequence over a <see cref="GptBigCodeModel"/>: its cache and how much of it is filled.</summary>
internal sealed class GptBigCodeSession(GptBigCodeModel model, KvCache cache) : IAdapterSession
{
    private int _adapter;

    public GptBigCodeModel Model => model;

    public KvCache Cache => cache;

    public int Length { get; private set; }

    public int Capacity => cache.Capacity;

    public int AdapterCount => model.Weights.SelectableAdapterCount;

    public int Adapter
    {
        get => _adapter;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            if (value > AdapterCount)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"adapter {value} does not exist; the model has {AdapterCount} selectable adapter(s)");
            if (value != _adapter && Length != 0)
                throw new InvalidOperationException($"the cache holds {Length} tokens computed with adapter {_adapter}; truncate it to 0 before choosing adapter {value}");
            _adapter = value;
        }
    }

    public void Append(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        if (tokens.IsEmpty)
            throw new ArgumentException("no tokens to append", nameof(tokens));
        model.Forward(cache, Length, _adapter, tokens, logits);
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
