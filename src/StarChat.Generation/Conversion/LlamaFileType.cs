using StarChat.Engine.Tensors;

namespace StarChat.Generation.Conversion;

/// <summary>
/// A target file type as llama.cpp names it (<c>llama_ftype</c>, written to <c>general.file_type</c>): the default
/// tensor type plus, for the K-quant mixes, the per-tensor bumps of <see cref="QuantizationPlan"/>.
/// </summary>
/// <param name="Name">CLI name (<c>q4_k_m</c>).</param>
/// <param name="Id"><c>general.file_type</c> value.</param>
/// <param name="DefaultType">Type of every quantizable tensor unless the mix says otherwise.</param>
public sealed record LlamaFileType(string Name, int Id, TensorType DefaultType)
{
    /// <summary>Every supported file type.</summary>
    public static IReadOnlyList<LlamaFileType> All { get; } =
    [
        new("f32", 0, TensorType.F32), new("f16", 1, TensorType.F16), new("bf16", 32, TensorType.BF16),
        new("q8_0", 7, TensorType.Q8_0), new("q4_0", 2, TensorType.Q4_0), new("q4_1", 3, TensorType.Q4_1),
        new("q5_0", 8, TensorType.Q5_0), new("q5_1", 9, TensorType.Q5_1),
        new("q2_k", 10, TensorType.Q2_K), new("q2_k_s", 21, TensorType.Q2_K),
        new("q3_k_s", 11, TensorType.Q3_K), new("q3_k_m", 12, TensorType.Q3_K), new("q3_k_l", 13, TensorType.Q3_K),
        new("q4_k_s", 14, TensorType.Q4_K), new("q4_k_m", 15, TensorType.Q4_K),
        new("q5_k_s", 16, TensorType.Q5_K), new("q5_k_m", 17, TensorType.Q5_K),
        new("q6_k", 18, TensorType.Q6_K),
    ];

    /// <summary>The file type for a CLI name; plain <c>q3_k</c>, <c>q4_k</c>, <c>q5_k</c> mean the _M mixes, as llama-quantize's aliases do.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static LlamaFileType Parse(string name)
    {
        string key = name.ToLowerInvariant() switch
        {
            "q3_k" => "q3_k_m",
            "q4_k" => "q4_k_m",
            "q5_k" => "q5_k_m",
            var n => n,
        };
        return All.FirstOrDefault(t => t.Name == key)
            ?? throw new ArgumentException($"unknown type '{name}' (known: {string.Join(", ", All.Select(t => t.Name))}; q3_k/q4_k/q5_k mean the _m mixes)");
    }

    /// <summary>True for the mixes llama.cpp adjusts per tensor (everything block-quantized).</summary>
    public bool IsQuantized => TensorTypeInfo.IsQuantized(DefaultType);
}
