using StarChat.Engine.Tensors;

namespace StarChat.Formats.Safetensors;

/// <summary>The dtype strings of the safetensors header (formats.md §4), their bit sizes and the types this stack reads.</summary>
internal static class SafetensorsDType
{
    private static readonly Dictionary<string, (int Bits, TensorType? Type)> s_dtypes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = (8, TensorType.Bool),
        ["U8"] = (8, TensorType.U8),
        ["I8"] = (8, TensorType.I8),
        ["I16"] = (16, TensorType.I16),
        ["U16"] = (16, null),
        ["F16"] = (16, TensorType.F16),
        ["BF16"] = (16, TensorType.BF16),
        ["I32"] = (32, TensorType.I32),
        ["U32"] = (32, null),
        ["F32"] = (32, TensorType.F32),
        ["F64"] = (64, TensorType.F64),
        ["I64"] = (64, TensorType.I64),
        ["U64"] = (64, null),
        ["C64"] = (64, null),
        ["F8_E5M2"] = (8, null),
        ["F8_E4M3"] = (8, null),
        ["F8_E8M0"] = (8, null),
        ["F8_E4M3FNUZ"] = (8, null),
        ["F8_E5M2FNUZ"] = (8, null),
        ["F6_E2M3"] = (6, null),
        ["F6_E3M2"] = (6, null),
        ["F4"] = (4, null),
    };

    /// <summary>Bits per element and the matching <see cref="TensorType"/> (null when this stack cannot use it).</summary>
    public static bool TryGet(string dtype, out int bits, out TensorType? type)
    {
        bool known = s_dtypes.TryGetValue(dtype, out var entry);
        (bits, type) = entry;
        return known;
    }

    /// <summary>The dtype string for a type this stack can write.</summary>
    public static string Name(TensorType type) => type switch
    {
        TensorType.Bool => "BOOL",
        TensorType.U8 => "U8",
        TensorType.I8 => "I8",
        TensorType.I16 => "I16",
        TensorType.F16 => "F16",
        TensorType.BF16 => "BF16",
        TensorType.I32 => "I32",
        TensorType.F32 => "F32",
        TensorType.F64 => "F64",
        TensorType.I64 => "I64",
        _ => throw new ArgumentException($"{type} has no safetensors dtype", nameof(type)),
    };
}
