using StarChat.Engine.Tensors;

namespace StarChat.Formats;

/// <summary>ggml's tensor type ids as GGUF and legacy GGML files store them: which ones this stack reads, and names for the rest.</summary>
internal static class GgmlTypeIds
{
    // ggml.h at d99724f2 (formats.md §7.3); ids 4, 5, 31-33 and 36-38 were removed and must be refused.
    private static readonly string[] s_names =
    [
        "F32", "F16", "Q4_0", "Q4_1", "Q4_2 (removed)", "Q4_3 (removed)", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
        "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
        "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M",
        "BF16", "Q4_0_4_4 (removed)", "Q4_0_4_8 (removed)", "Q4_0_8_8 (removed)", "TQ1_0", "TQ2_0",
        "IQ4_NL_4_4 (removed)", "IQ4_NL_4_8 (removed)", "IQ4_NL_8_8 (removed)", "MXFP4", "NVFP4", "Q1_0", "Q2_0",
    ];

    /// <summary>The type for <paramref name="id"/> when it is a ggml id whose block layout this stack knows.</summary>
    public static bool TryGetSupported(uint id, out TensorType type)
    {
        type = (TensorType)id;
        return id < 1000 && Enum.IsDefined(type) && TensorTypeInfo.IsKnown(type);
    }

    /// <summary>ggml's name for an id, or "unknown" for ids past the end of ggml's list.</summary>
    public static string Name(uint id) => id < s_names.Length ? s_names[id] : "unknown";

    /// <summary>Why a type id is refused, for error messages.</summary>
    public static string Refusal(uint id) => id < s_names.Length
        ? $"tensor type {id} ({Name(id)}) is not supported"
        : $"unknown tensor type {id}";
}
