using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>
/// ggml <c>block_q6_K</c> (210 bytes): 256 weights in 16 groups of 16 with signed 8-bit scales;
/// w = (d·sc)·q, q in −32…31.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ6_K
{
    /// <summary>Weights per block.</summary>
    public const int Count = 256;

    /// <summary>
    /// Low four bits. Weight i = 128·h + 32·k + l (k 0…3) sits in byte 64·h + 32·(k % 2) + l, low nibble for
    /// k &lt; 2, high nibble otherwise.
    /// </summary>
    public Bytes128 Ql;

    /// <summary>High two bits of weight 128·h + 32·k + l in bits 2k…2k+1 of byte 32·h + l.</summary>
    public Bytes64 Qh;

    /// <summary>Group scales.</summary>
    public SBytes16 Scales;

    /// <summary>Super-block scale.</summary>
    public Half D;
}

/// <summary>Q6_K: scalar reference dequantization, quantization and dot product with Q8_K activations.</summary>
internal static class Q6_K
{
    /// <summary>ggml's <c>dequantize_row_q6_K</c>.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ6_K> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ6_K.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ6_K b = ref blocks[i];
            float d = (float)b.D;
            Span<float> out256 = y.Slice(i * BlockQ6_K.Count, BlockQ6_K.Count);
            // ggml's loop: the three bytes at l hold one weight from each 32-wide quarter of a half-block
            for (int h = 0; h < 2; h++)
            {
                for (int l = 0; l < 32; l++)
                {
                    int low = b.Ql[64 * h + l], low2 = b.Ql[64 * h + 32 + l], high = b.Qh[32 * h + l];
                    int g = 8 * h + l / 16;
                    out256[128 * h + l] = d * b.Scales[g] * (((low & 0x0F) | ((high & 3) << 4)) - 32);
                    out256[128 * h + 32 + l] = d * b.Scales[g + 2] * (((low2 & 0x0F) | (((high >> 2) & 3) << 4)) - 32);
                    out256[128 * h + 64 + l] = d * b.Scales[g + 4] * (((low >> 4) | (((high >> 4) & 3) << 4)) - 32);
                    out256[128 * h + 96 + l] = d * b.Scales[g + 6] * (((low2 >> 4) | (((high >> 6) & 3) << 4)) - 32);
                }
            }
        }
    }

    /// <summary>ggml's <c>quantize_row_q6_K_ref</c> (llama-quantize's Q6_K without an importance matrix).</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<BlockQ6_K> blocks)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ6_K.Count, x.Length, nameof(x));
        Span<sbyte> levels = stackalloc sbyte[BlockQ6_K.Count];
        Span<float> scales = stackalloc float[16];

        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlySpan<float> xb = x.Slice(i * BlockQ6_K.Count, BlockQ6_K.Count);
            float maxScale = 0, maxAbsScale = 0;
            for (int g = 0; g < 16; g++)
            {
                scales[g] = KQuantSearch.MakeQxQuants(xb.Slice(16 * g, 16), 32, levels.Slice(16 * g, 16));
                float absScale = MathF.Abs(scales[g]);
                if (absScale > maxAbsScale)
                {
                    maxAbsScale = absScale;
                    maxScale = scales[g];
                }
            }

            ref BlockQ6_K b = ref blocks[i];
            if (maxAbsScale < QuantMath.GroupMaxEps)
            {
                b = default;
                continue;
            }

            float iscale = -128f / maxScale;
            b.D = QuantMath.ToHalf(1 / iscale);
            for (int g = 0; g < 16; g++)
                b.Scales[g] = unchecked((sbyte)Math.Min(127, QuantMath.NearestInt(iscale * scales[g])));

            // Re-pick the levels against the scales as stored (8-bit codes, f16 super-scale).
            for (int g = 0; g < 16; g++)
            {
                float d = (float)b.D * b.Scales[g];
                if (d == 0)
                    continue;
                for (int k = 0; k < 16; k++)
                {
                    int l = QuantMath.NearestInt(xb[16 * g + k] / d);
                    levels[16 * g + k] = (sbyte)(Math.Max(-32, Math.Min(31, l)) + 32);
                }
            }

            for (int h = 0; h < 2; h++)
            {
                for (int l = 0; l < 32; l++)
                {
                    int e = 128 * h + l;
                    int q1 = levels[e], q2 = levels[e + 32], q3 = levels[e + 64], q4 = levels[e + 96];
                    b.Ql[64 * h + l] = (byte)((q1 & 0x0F) | ((q3 & 0x0F) << 4));
                    b.Ql[64 * h + 32 + l] = (byte)((q2 & 0x0F) | ((q4 & 0x0F) << 4));
                    b.Qh[32 * h + l] = (byte)((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
                }
            }
        }
    }

    /// <summary>ggml's <c>ggml_vec_dot_q6_K_q8_K_generic</c> (eight integer lanes, eight float accumulators).</summary>
    public static float Dot(ReadOnlySpan<BlockQ6_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        QuantArgs.CheckSameLength(x.Length, y.Length, nameof(y));
        Span<int> lanes = stackalloc int[8];
        Span<float> sums = stackalloc float[8];
        sums.Clear();
        for (int i = 0; i < x.Length; i++)
        {
            ref readonly BlockQ6_K bx = ref x[i];
            ref readonly BlockQ8_K by = ref y[i];
            lanes.Clear();
            for (int e = 0; e < BlockQ6_K.Count; e++)
                lanes[e & 7] += bx.Scales[e >> 4] * (by.Qs[e] * Quant(bx, e));
            float d = (float)bx.D * by.D;
            for (int l = 0; l < 8; l++)
                sums[l] += d * lanes[l];
        }
        float sum = 0;
        for (int l = 0; l < 8; l++)
            sum += sums[l];
        return sum;
    }

    /// <summary>The signed 6-bit quant of weight <paramref name="e"/> (0…255).</summary>
    private static int Quant(in BlockQ6_K b, int e)
    {
        int half = e >> 7, k = (e >> 5) & 3, l = e & 31;
        int lowByte = b.Ql[64 * half + 32 * (k & 1) + l];
        int low = k < 2 ? lowByte & 0x0F : lowByte >> 4;
        int high = (b.Qh[32 * half + l] >> (2 * k)) & 3;
        return (low | (high << 4)) - 32;
    }
}
