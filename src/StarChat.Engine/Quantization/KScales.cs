namespace StarChat.Engine.Quantization;

/// <summary>
/// The 12-byte field of Q4_K and Q5_K holding eight 6-bit scales and eight 6-bit minimums: sub-blocks 0…3 keep
/// both in the low 6 bits of bytes 0…3 (scale) and 4…7 (minimum); sub-blocks 4…7 keep their low 4 bits in the
/// nibbles of bytes 8…11 and their top 2 bits in the spare top bits of bytes 0…7 (ggml's <c>get_scale_min_k4</c>).
/// </summary>
internal static class KScales
{
    /// <summary>Scale and minimum codes (0…63) of sub-block <paramref name="j"/>.</summary>
    public static (int Scale, int Min) Get(ReadOnlySpan<byte> packed, int j)
        => j < 4
            ? (packed[j] & 63, packed[j + 4] & 63)
            : ((packed[j + 4] & 0x0F) | ((packed[j - 4] >> 6) << 4), (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));

    /// <summary>
    /// Stores the codes of sub-block <paramref name="j"/>. Sub-blocks must be stored in order 0…7: the later ones
    /// OR their top bits into bytes the earlier ones wrote.
    /// </summary>
    public static void Set(Span<byte> packed, int j, byte scale, byte min)
    {
        if (j < 4)
        {
            packed[j] = scale;
            packed[j + 4] = min;
        }
        else
        {
            packed[j + 4] = (byte)((scale & 0x0F) | ((min & 0x0F) << 4));
            packed[j - 4] |= (byte)((scale >> 4) << 6);
            packed[j] |= (byte)((min >> 4) << 6);
        }
    }
}
