using StarChat.Engine.Tensors;

namespace StarChat.Engine.Models.GptBigCode;

/// <summary>
/// A low-rank update of one linear layer, applied beside it without merging: y += Scale·(x·Aᵀ)·Bᵀ (LoRA; for PEFT
/// adapters Scale is lora_alpha/r times any user factor). A and B are read in place in any matmul type.
/// </summary>
/// <param name="Name">Where it came from (adapter file and module), for error messages.</param>
/// <param name="A"><c>[r, in]</c>.</param>
/// <param name="B"><c>[out, r]</c>.</param>
/// <param name="Scale">Factor on the update.</param>
public sealed record LowRankAdapter(string Name, TensorView A, TensorView B, float Scale)
{
    /// <summary>The rank r.</summary>
    public int Rank => (int)A.Shape[0];
}

/// <summary>The low-rank updates of one block's four linear layers (empty when none; several adapters stack).</summary>
public sealed record LayerAdapters
{
    /// <summary>No updates.</summary>
    public static LayerAdapters None { get; } = new();

    /// <summary>On <c>attn.c_attn</c>.</summary>
    public IReadOnlyList<LowRankAdapter> Qkv { get; init; } = [];

    /// <summary>On <c>attn.c_proj</c>.</summary>
    public IReadOnlyList<LowRankAdapter> AttentionOutput { get; init; } = [];

    /// <summary>On <c>mlp.c_fc</c>.</summary>
    public IReadOnlyList<LowRankAdapter> Up { get; init; } = [];

    /// <summary>On <c>mlp.c_proj</c>.</summary>
    public IReadOnlyList<LowRankAdapter> Down { get; init; } = [];
}
