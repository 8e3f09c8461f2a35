namespace StarChat.Engine.Models.GptBigCode;

/// <summary>
/// Hyper-parameters of a GPTBigCode model (StarCoder, StarCoderBase, StarCoderPlus, StarChat).
/// Hugging Face <c>config.json</c> names are given beside each property; GGUF keys are <c>starcoder.*</c>.
/// </summary>
public sealed record GptBigCodeConfig
{
    /// <summary><c>vocab_size</c>: rows of the token embedding and of the output head.</summary>
    public required int VocabSize { get; init; }

    /// <summary><c>n_positions</c> (GGUF <c>context_length</c>): rows of the position embedding; the hard context limit.</summary>
    public required int ContextLength { get; init; }

    /// <summary><c>n_embd</c> (aka <c>hidden_size</c>, GGUF <c>embedding_length</c>).</summary>
    public required int EmbeddingSize { get; init; }

    /// <summary><c>n_layer</c> (GGUF <c>block_count</c>).</summary>
    public required int LayerCount { get; init; }

    /// <summary><c>n_head</c> (GGUF <c>attention.head_count</c>): query heads.</summary>
    public required int HeadCount { get; init; }

    /// <summary>Key/value heads: 1 when <c>multi_query</c> (GGUF <c>attention.head_count_kv</c>), else <see cref="HeadCount"/>.</summary>
    public int KvHeadCount { get; init; } = 1;

    /// <summary><c>n_inner</c> (GGUF <c>feed_forward_length</c>): MLP width; 4·n_embd when the config leaves it null.</summary>
    public required int FeedForwardSize { get; init; }

    /// <summary><c>layer_norm_epsilon</c>.</summary>
    public float LayerNormEpsilon { get; init; } = 1e-5f;

    /// <summary><c>activation_function</c>: <c>gelu_pytorch_tanh</c> (tanh approximation) or <c>gelu</c> (exact erf form).</summary>
    public string Activation { get; init; } = "gelu_pytorch_tanh";

    /// <summary><c>scale_attn_weights</c>: divide attention scores by √head_dim.</summary>
    public bool ScaleAttentionWeights { get; init; } = true;

    /// <summary><c>tie_word_embeddings</c>: the output head is the token embedding.</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary><c>bos_token_id</c>.</summary>
    public int BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c> (a list in <c>generation_config.json</c>).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [0];

    /// <summary>Width of one attention head: n_embd / n_head.</summary>
    public int HeadDim => EmbeddingSize / HeadCount;

    /// <summary>True for multi-query attention (one K/V head shared by every query head).</summary>
    public bool IsMultiQuery => KvHeadCount == 1;

    /// <summary>Rows of the fused <c>c_attn</c> weight: Q for every head, then K and V for the K/V heads.</summary>
    public int QkvSize => EmbeddingSize + 2 * KvHeadCount * HeadDim;

    /// <summary>Checks that the numbers describe a model this engine can run.</summary>
    /// <exception cref="InvalidDataException">A value is out of range or inconsistent; the message names the field.</exception>
    public void Validate(string origin)
    {
        static void Require(bool ok, string origin, string message)
        {
            if (!ok) throw new InvalidDataException($"{origin}: {message}");
        }
        Require(VocabSize > 0, origin, $"vocab_size must be positive (got {VocabSize})");
        Require(ContextLength > 0, origin, $"n_positions must be positive (got {ContextLength})");
        Require(EmbeddingSize > 0, origin, $"n_embd must be positive (got {EmbeddingSize})");
        Require(LayerCount > 0, origin, $"n_layer must be positive (got {LayerCount})");
        Require(HeadCount > 0 && EmbeddingSize % HeadCount == 0, origin,
            $"n_head ({HeadCount}) must divide n_embd ({EmbeddingSize})");
        Require(KvHeadCount == 1 || KvHeadCount == HeadCount, origin,
            $"only multi-query (1 K/V head) or full multi-head attention is supported (got {KvHeadCount} K/V heads for {HeadCount} heads)");
        Require(FeedForwardSize > 0, origin, $"n_inner must be positive (got {FeedForwardSize})");
        Require(float.IsFinite(LayerNormEpsilon) && LayerNormEpsilon > 0, origin, $"layer_norm_epsilon must be positive (got {LayerNormEpsilon})");
        Require(Activation is "gelu_pytorch_tanh" or "gelu_new" or "gelu" or "gelu_fast", origin,
            $"activation_function '{Activation}' is not supported (gelu_pytorch_tanh, gelu_new, gelu_fast, gelu)");
    }
}
