namespace StarChat.Engine.Kernels;

/// <summary>
/// Sizes of one <see cref="MultiQueryAttention"/> call: <paramref name="Tokens"/> new tokens with
/// <paramref name="Heads"/> query heads of <paramref name="HeadDim"/> values each, after <paramref name="PastLength"/>
/// cached positions.
/// </summary>
/// <param name="Tokens">New tokens T (1 when decoding).</param>
/// <param name="Heads">Query heads H (<c>n_head</c>).</param>
/// <param name="HeadDim">d = n_embd / n_head: also the width of the single K/V head.</param>
/// <param name="PastLength">Positions already in the cache before these tokens.</param>
public readonly record struct AttentionShape(int Tokens, int Heads, int HeadDim, int PastLength)
{
    /// <summary>Floats between the starts of consecutive tokens' queries; H·d when queries are packed, more when they
    /// are read in place from the fused <c>c_attn</c> output (<c>n_embd + 2·d</c>).</summary>
    public int QueryStride { get; init; } = Heads * HeadDim;

    /// <summary>Factor on q·k: 1/√d (<c>scale_attn_weights</c>), or 1.</summary>
    public float Scale { get; init; } = HeadDim > 0 ? 1f / MathF.Sqrt(HeadDim) : 1f;

    /// <summary>Cache rows the call reads: <c>PastLength + Tokens</c>.</summary>
    public int KeyCount => PastLength + Tokens;
}
