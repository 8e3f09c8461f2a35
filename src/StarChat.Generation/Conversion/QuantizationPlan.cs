using StarChat.Engine.Tensors;

namespace StarChat.Generation.Conversion;

/// <summary>
/// Which type each tensor of a GPTBigCode (llama.cpp <c>starcoder</c>) GGUF gets for a target file type — the rules of
/// llama.cpp's <c>llama_tensor_get_type</c> (src/llama-quant.cpp) as they apply to this architecture: only 2-D
/// <c>*.weight</c> tensors are quantized, never norms or the position embedding; the (tied) token embedding is the
/// output matrix and gets Q6_K (Q8_0 for the Q8_0 type); <c>attn_qkv</c> counts as an attention-V tensor; the K mixes
/// bump <c>attn_qkv</c>, <c>attn_output</c> and <c>ffn_down</c> by layer; a row length the type cannot take falls back
/// to a 32-block type (reported).
/// </summary>
public sealed class QuantizationPlan
{
    private readonly LlamaFileType _fileType;
    private readonly int _layers;
    private readonly int _nGqa;
    private readonly bool _tiedEmbeddings;
    private readonly int _attentionV;
    private int _attentionVSeen;
    private int _ffnDownSeen;

    /// <summary>Starts a plan for a model with these GGUF tensor names (counts matter for the K mixes).</summary>
    /// <param name="fileType">Target.</param>
    /// <param name="tensorNames">Every GGUF tensor name of the model.</param>
    /// <param name="layers"><c>block_count</c>.</param>
    /// <param name="headCount">Query heads.</param>
    /// <param name="kvHeadCount">K/V heads (1 for multi-query).</param>
    public QuantizationPlan(LlamaFileType fileType, IReadOnlyCollection<string> tensorNames, int layers, int headCount, int kvHeadCount)
    {
        _fileType = fileType;
        _layers = layers;
        _nGqa = headCount / Math.Max(1, kvHeadCount);
        _tiedEmbeddings = !tensorNames.Contains("output.weight");
        _attentionV = tensorNames.Count(n => n.Contains("attn_qkv.weight", StringComparison.Ordinal) || n.Contains("attn_v.weight", StringComparison.Ordinal));
    }

    /// <summary>Fallbacks applied because a row length did not fit the chosen type (tensor, wanted, used).</summary>
    public List<TypeFallback> Fallbacks { get; } = [];

    /// <summary>
    /// The type of the next tensor. Call once per tensor in file order (the K mixes count attention and
    /// feed-forward tensors as they come).
    /// </summary>
    public TensorType TypeFor(string name, TensorShape shape, TensorType sourceType)
    {
        bool quantizable = shape.Rank >= 2 && name.EndsWith("weight", StringComparison.Ordinal)
            && !name.Contains("_norm.weight", StringComparison.Ordinal) && name != "position_embd.weight";
        if (!quantizable)
            return sourceType;
        var type = _fileType.DefaultType;
        if (!_fileType.IsQuantized)
            return type;
        type = Adjust(name, shape, type);
        return Fallback(name, shape, type);
    }

    private TensorType Adjust(string name, TensorShape shape, TensorType type)
    {
        string f = _fileType.Name;
        bool output = name == "output.weight" || (_tiedEmbeddings && name == "token_embd.weight");
        if (output)
            return shape.RowLength % TensorTypeInfo.BlockSize(type) != 0 || type == TensorType.Q8_0 ? TensorType.Q8_0 : TensorType.Q6_K;
        if (name == "token_embd.weight")
            return type;
        if (name.Contains("attn_qkv.weight", StringComparison.Ordinal) || name.Contains("attn_v.weight", StringComparison.Ordinal))
        {
            int i = _attentionVSeen++;
            return f switch
            {
                "q2_k" => _nGqa >= 4 ? TensorType.Q4_K : TensorType.Q3_K,
                "q2_k_s" when _nGqa >= 4 => TensorType.Q4_K,
                "q3_k_m" => i < 2 ? TensorType.Q5_K : TensorType.Q4_K,
                "q3_k_l" => TensorType.Q5_K,
                "q4_k_m" or "q5_k_m" when UseMoreBits(i, _attentionV) => TensorType.Q6_K,
                "q4_k_s" when i < 4 => TensorType.Q5_K,
                _ => type,
            };
        }
        if (name.Contains("ffn_down", StringComparison.Ordinal))
        {
            int i = _ffnDownSeen++, n = _layers;
            return f switch
            {
                "q2_k" => TensorType.Q3_K,
                "q2_k_s" when i < n / 8 => TensorType.Q4_K,
                "q3_k_m" => i < n / 16 ? TensorType.Q5_K : TensorType.Q4_K,
                "q3_k_l" => TensorType.Q5_K,
                "q4_k_m" when UseMoreBits(i, n) => TensorType.Q6_K,
                "q5_k_m" when UseMoreBits(i, n) => TensorType.Q6_K,
                "q4_k_s" when i < n / 8 => TensorType.Q5_K,
                _ => type,
            };
        }
        if (name.Contains("attn_output.weight", StringComparison.Ordinal))
        {
            return f switch
            {
                "q2_k" => TensorType.Q3_K,
                "q3_k_m" => TensorType.Q4_K,
                "q3_k_l" => TensorType.Q5_K,
                _ => type,
            };
        }
        return type;
    }

    // llama.cpp's use_more_bits: the first and last eighth of the layers, and every third one in between.
    private static bool UseMoreBits(int i, int n) => i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;

    private TensorType Fallback(string name, TensorShape shape, TensorType type)
    {
        long columns = shape.RowLength;
        if (columns % TensorTypeInfo.BlockSize(type) == 0)
            return type;
        var fallback = type switch
        {
            TensorType.Q2_K or TensorType.Q3_K => TensorType.Q4_0,
            TensorType.Q4_K => TensorType.Q5_0,
            TensorType.Q5_K => TensorType.Q5_1,
            TensorType.Q6_K => TensorType.Q8_0,
            _ => TensorType.F16,
        };
        if (columns % TensorTypeInfo.BlockSize(fallback) != 0)
            fallback = TensorType.F16;
        Fallbacks.Add(new TypeFallback(name, type, fallback));
        return fallback;
    }
}
