namespace StarChat.Engine.Tensors;

/// <summary>Block geometry of each <see cref="TensorType"/>: how many elements a block holds and how many bytes it takes.</summary>
public static class TensorTypeInfo
{
    /// <summary>True when the type is one this project knows the layout of.</summary>
    public static bool IsKnown(TensorType type) => TryGetLayout(type, out _, out _);

    /// <summary>True for block-quantized types (more than one element per block).</summary>
    public static bool IsQuantized(TensorType type) => BlockSize(type) > 1;

    /// <summary>True for types a GGUF or GGML file can hold (ggml's own ids, below 1000), false for in-memory forms of other formats' types.</summary>
    public static bool IsGgmlType(TensorType type) => (uint)type < 1000;

    /// <summary>Elements per block (1 for plain element types).</summary>
    /// <exception cref="NotSupportedException">The type has no known layout.</exception>
    public static int BlockSize(TensorType type) => Layout(type).Elements;

    /// <summary>Bytes per block (the element size for plain element types).</summary>
    /// <exception cref="NotSupportedException">The type has no known layout.</exception>
    public static int BlockBytes(TensorType type) => Layout(type).Bytes;

    /// <summary>
    /// Bytes taken by <paramref name="elements"/> consecutive elements, which must fill whole blocks.
    /// Checked arithmetic: overflow throws rather than wrapping.
    /// </summary>
    /// <exception cref="ArgumentException">The count is negative or not a multiple of the block size.</exception>
    /// <exception cref="OverflowException">The byte count does not fit in 64 bits.</exception>
    public static long ByteCount(TensorType type, long elements)
    {
        var (blockElements, blockBytes) = Layout(type);
        if (elements < 0 || elements % blockElements != 0)
            throw new ArgumentException($"{elements} elements do not fill whole {type} blocks of {blockElements}", nameof(elements));
        return checked(elements / blockElements * blockBytes);
    }

    /// <summary>The lower-case name ggml and llama.cpp print for the type (e.g. <c>q4_k</c>, <c>bf16</c>).</summary>
    public static string Name(TensorType type) => type.ToString().ToLowerInvariant();

    private static (int Elements, int Bytes) Layout(TensorType type)
        => TryGetLayout(type, out var elements, out var bytes)
            ? (elements, bytes)
            : throw new NotSupportedException($"tensor type {(uint)type} ({type}) has no known layout");

    private static bool TryGetLayout(TensorType type, out int elements, out int bytes)
    {
        (elements, bytes) = type switch
        {
            TensorType.F32 => (1, 4),
            TensorType.F16 => (1, 2),
            TensorType.BF16 => (1, 2),
            TensorType.F64 => (1, 8),
            TensorType.I8 => (1, 1),
            TensorType.I16 => (1, 2),
            TensorType.I32 => (1, 4),
            TensorType.I64 => (1, 8),
            TensorType.U8 => (1, 1),
            TensorType.Bool => (1, 1),
            TensorType.Q4_0 => (32, 18),
            TensorType.Q4_1 => (32, 20),
            TensorType.Q5_0 => (32, 22),
            TensorType.Q5_1 => (32, 24),
            TensorType.Q8_0 => (32, 34),
            TensorType.Q8_1 => (32, 36),
            TensorType.Q8_SCB => (32, 36),
            TensorType.Q4_GPTQ => (32, 21),
            TensorType.IQ4_NL => (32, 18),
            TensorType.Q2_K => (256, 84),
            TensorType.Q3_K => (256, 110),
            TensorType.Q4_K => (256, 144),
            TensorType.Q5_K => (256, 176),
            TensorType.Q6_K => (256, 210),
            TensorType.Q8_K => (256, 292),
            _ => (0, 0),
        };
        return elements != 0;
    }
}
