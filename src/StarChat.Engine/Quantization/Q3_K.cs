using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>
/// ggml <c>block_q3_K</c> (110 bytes): 256 weights in 16 groups of 16 with signed 6-bit scales, no minimum;
/// w = d·(sc − 32)·q, q in −4…3.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ3_K
{
    /// <summary>Weights per block.</summary>
    public const int Count = 256;

    /// <summary>High bit of weight i in bit i/32 of byte i%32; a clear bit means q is 4 lower.</summary>
    public Bytes32 HMask;

    /// <summary>Low 2 bits, laid out as in Q2_K.</summary>
    public Bytes64 Qs;

    /// <summary>
    /// Sixteen 6-bit scales (biased by 32): low nibbles of groups 0…7 and 8…15 in bytes 0…7 (low, then high
    /// nibble), top two bits of group g in bits 2·(g/4) of byte 8 + g%4.
    /// </summary>
    public Bytes12 Scales;

    /// <summary>Super-block scale.</summary>
    public Half D;
}

/// <summary>Q3_K: scalar reference dequantization, quantization and dot product with Q8_K activations.</summary>
internal static class Q3_K
{
    /// <summary>ggml's <c>dequantize_row_q3_K</c>: y = (d·(sc − 32))·q.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ3_K> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ3_K.Count, y.Length, nameof(y));
        Span<int> scales = stackalloc int[16];
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ3_K b = ref blocks[i];
            float d = (float)b.D;
            UnpackScales(b.Scales, scales);
            Span<float> out256 = y.Slice(i * BlockQ3_K.Count, BlockQ3_K.Count);
            for (int g = 0; g < 16; g++)
            {
                float dl = d * scales[g];
                for (int k = 0; k < 16; k++)
                {
                    int e = 16 * g + k;
                    out256[e] = dl * Quant(b, e);
                }
            }
        }
    }

    /// <summary>ggml's <c>quantize_row_q3_K_ref</c> (llama-quantize's Q3_K without an importance matrix).</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<BlockQ3_K> blocks)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ3_K.Count, x.Length, nameof(x));
        Span<sbyte> levels = stackalloc sbyte[BlockQ3_K.Count];
        Span<float> scales = stackalloc float[16];
        Span<int> stored = stackalloc int[16];

        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlySpan<float> xb = x.Slice(i * BlockQ3_K.Count, BlockQ3_K.Count);
            float maxScale = 0, amax = 0;
            for (int g = 0; g < 16; g++)
            {
                scales[g] = KQuantSearch.MakeQ3Quants(xb.Slice(16 * g, 16), 4, levels.Slice(16 * g, 16));
                float scale = MathF.Abs(scales[g]);
                if (scale > amax)
                {
                    amax = scale;
                    maxScale = scales[g];
                }
            }

            ref BlockQ3_K b = ref blocks[i];
            Span<byte> packed = b.Scales;
            packed.Clear();
            if (maxScale != 0)
            {
                float iscale = -32f / maxScale;
                for (int g = 0; g < 16; g++)
                {
                    sbyte code = unchecked((sbyte)QuantMath.NearestInt(iscale * scales[g]));
                    int l = Math.Max(-32, Math.Min(31, (int)code)) + 32;
                    if (g < 8)
                        packed[g] = (byte)(l & 0x0F);
                    else
                        packed[g - 8] |= (byte)((l & 0x0F) << 4);
                    packed[8 + g % 4] |= (byte)((l >> 4) << (2 * (g / 4)));
                }
                b.D = QuantMath.ToHalf(1 / iscale);
            }
            else
            {
                b.D = QuantMath.ToHalf(0f);
            }

            // Re-pick the levels against the scales as stored (6-bit codes, f16 super-scale).
            UnpackScales(b.Scales, stored);
            for (int g = 0; g < 16; g++)
            {
                float d = (float)b.D * stored[g];
                if (d == 0)
                    continue;
                for (int k = 0; k < 16; k++)
                {
                    int l = QuantMath.NearestInt(xb[16 * g + k] / d);
                    levels[16 * g + k] = (sbyte)(Math.Max(-4, Math.Min(3, l)) + 4);
                }
            }

            Span<byte> hmask = b.HMask;
            hmask.Clear();
            for (int e = 0; e < BlockQ3_K.Count; e++)
            {
                if (levels[e] > 3)
                {
                    hmask[e % 32] |= (byte)(1 << (e / 32));
                    levels[e] -= 4;
                }
            }
            for (int h = 0; h < 2; h++)
            {
                for (int l = 0; l < 32; l++)
                {
                    int e = 128 * h + l;
                    // every level is 0…3 here; the masks only tell the compiler so
                    b.Qs[32 * h + l] = (byte)((levels[e] & 3) | ((levels[e + 32] & 3) << 2) | ((levels[e + 64] & 3) << 4) | ((levels[e + 96] & 3) << 6));
                }
            }
        }
    }

    /// <summary>
    /// ggml's <c>ggml_vec_dot_q3_K_q8_K_generic</c>. Integer products are summed in eight lanes (element index mod 8)
    /// and each lane is scaled into its own float accumulator, as the generic C does, so the float rounding matches it.
    /// </summary>
    public static float Dot(ReadOnlySpan<BlockQ3_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        QuantArgs.CheckSameLength(x.Length, y.Length, nameof(y));
        Span<int> scales = stackalloc int[16];
        Span<int> lanes = stackalloc int[8];
        Span<float> sums = stackalloc float[8];
        sums.Clear();
        for (int i = 0; i < x.Length; i++)
        {
            ref readonly BlockQ3_K bx = ref x[i];
            ref readonly BlockQ8_K by = ref y[i];
            UnpackScales(bx.Scales, scales);
            lanes.Clear();
            for (int e = 0; e < BlockQ3_K.Count; e++)
                lanes[e & 7] += scales[e >> 4] * (by.Qs[e] * Quant(bx, e));
            float d = (float)bx.D * by.D;
            for (int l = 0; l < 8; l++)
                sums[l] += d * lanes[l];
        }
        float sum = 0;
        for (int l = 0; l < 8; l++)
            sum += sums[l];
        return sum;
    }

    /// <summary>The sixteen group scales, unbiased to −32…31.</summary>
    internal static void UnpackScales(ReadOnlySpan<byte> packed, Span<int> scales)
    {
        for (int g = 0; g < 16; g++)
        {
            int low4 = g < 8 ? packed[g] & 0x0F : packed[g - 8] >> 4;
            int high2 = (packed[8 + g % 4] >> (2 * (g / 4))) & 3;
            scales[g] = (low4 | (high2 << 4)) - 32;
        }
    }

    /// <summary>The signed 3-bit quant of weight <paramref name="e"/> (0…255).</summary>
    private static int Quant(in BlockQ3_K b, int e)
    {
        int half = e >> 7, r = e & 127;
        int low2 = (b.Qs[32 * half + (r & 31)] >> (2 * (r >> 5))) & 3;
        bool high = ((b.HMask[e & 31] >> (e >> 5)) & 1) != 0;
        return high ? low2 : low2 - 4;
    }
}
