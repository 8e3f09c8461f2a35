using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>
/// <see cref="Tensors.TensorType.Q4_GPTQ"/> block (21 bytes): 32 four-bit weights of one output row that share a GPTQ
/// group, with that group's scale (GPTQ's f16, widened exactly to f32 so the kernel need not convert it per block)
/// and integer zero point; w = s·(q − z). Nibbles as ggml's Q4_0: byte j holds
/// element j in its low and element j + 16 in its high nibble.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ4_GPTQ
{
    /// <summary>Weights per block.</summary>
    public const int Count = 32;

    /// <summary>Scale: GPTQ's f16 value, exactly.</summary>
    public float S;

    /// <summary>Zero point (0…16 after GPTQ v1's +1).</summary>
    public byte Z;

    /// <summary>Packed 4-bit quants.</summary>
    public Bytes16 Qs;
}

/// <summary>
/// <see cref="Tensors.TensorType.Q4_GPTQ"/>: packing GPTQ 4-bit weights (what a loader needs) and the scalar reference
/// dequantization. Exact: an f16 scale times an integer of at most 5 bits fits a float32.
/// </summary>
public static class Q4_GPTQ
{
    /// <summary>Bytes per block of 32 weights.</summary>
    public const int BlockBytes = 21;

    /// <summary>w = s·(q − z), one f32 product per weight.</summary>
    internal static void Dequantize(ReadOnlySpan<BlockQ4_GPTQ> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ4_GPTQ.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ4_GPTQ b = ref blocks[i];
            float s = b.S;
            Span<float> out32 = y.Slice(i * BlockQ4_GPTQ.Count, BlockQ4_GPTQ.Count);
            for (int j = 0; j < 16; j++)
            {
                out32[j] = s * ((b.Qs[j] & 0x0F) - b.Z);
                out32[j + 16] = s * ((b.Qs[j] >> 4) - b.Z);
            }
        }
    }

    /// <summary>
    /// Writes one block: <paramref name="q"/> holds 32 values 0…15 in input order, <paramref name="scaleBits"/> the
    /// group's f16 scale bits and <paramref name="zero"/> its zero point.
    /// </summary>
    /// <exception cref="ArgumentException">Not 32 values, a value above 15, a zero above 255, or a destination that is not 21 bytes.</exception>
    public static void PackBlock(ReadOnlySpan<byte> q, ushort scaleBits, int zero, Span<byte> destination)
    {
        if (q.Length != BlockQ4_GPTQ.Count || destination.Length != BlockBytes)
            throw new ArgumentException($"a block is {BlockQ4_GPTQ.Count} values into {BlockBytes} bytes; got {q.Length} into {destination.Length}", nameof(q));
        if ((uint)zero > byte.MaxValue)
            throw new ArgumentException($"zero point {zero} does not fit a byte", nameof(zero));
        ref BlockQ4_GPTQ b = ref MemoryMarshal.AsRef<BlockQ4_GPTQ>(destination);
        b.S = (float)BitConverter.UInt16BitsToHalf(scaleBits);
        b.Z = (byte)zero;
        for (int j = 0; j < 16; j++)
        {
            if (q[j] > 15 || q[j + 16] > 15)
                throw new ArgumentException($"value {Math.Max(q[j], q[j + 16])} is not 4-bit", nameof(q));
            b.Qs[j] = (byte)(q[j] | (q[j + 16] << 4));
        }
    }
}
