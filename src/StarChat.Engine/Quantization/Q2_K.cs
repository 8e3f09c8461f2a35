using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>
/// ggml <c>block_q2_K</c> (84 bytes): 256 weights in 16 groups of 16, each with a 4-bit scale and 4-bit minimum;
/// w = d·sc·q − dmin·m, q in 0…3.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ2_K
{
    /// <summary>Weights per block.</summary>
    public const int Count = 256;

    /// <summary>Group g: scale in the low nibble, minimum in the high nibble.</summary>
    public Bytes16 Scales;

    /// <summary>
    /// 2-bit quants. Weight i = 128·h + 32·k + l (h half, k 0…3, l 0…31) is bits 2k…2k+1 of byte 32·h + l.
    /// </summary>
    public Bytes64 Qs;

    /// <summary>Super-block scale of the group scales.</summary>
    public Half D;

    /// <summary>Super-block scale of the group minimums.</summary>
    public Half DMin;
}

/// <summary>Q2_K: scalar reference dequantization, quantization and dot product with Q8_K activations.</summary>
internal static class Q2_K
{
    /// <summary>ggml's <c>dequantize_row_q2_K</c>: per group dl = d·sc and ml = dmin·m, then y = dl·q − ml.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ2_K> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ2_K.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ2_K b = ref blocks[i];
            float d = (float)b.D, dmin = (float)b.DMin;
            Span<float> out256 = y.Slice(i * BlockQ2_K.Count, BlockQ2_K.Count);
            for (int group = 0; group < 16; group++)
            {
                int sc = b.Scales[group];
                float dl = d * (sc & 0x0F), ml = dmin * (sc >> 4);
                for (int k = 0; k < 16; k++)
                {
                    int e = 16 * group + k;
                    out256[e] = dl * Quant(b, e) - ml;
                }
            }
        }
    }

    /// <summary>ggml's <c>quantize_row_q2_K_ref</c> (llama-quantize's Q2_K without an importance matrix).</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<BlockQ2_K> blocks)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ2_K.Count, x.Length, nameof(x));
        Span<byte> levels = stackalloc byte[BlockQ2_K.Count];
        Span<byte> scratch = stackalloc byte[16];
        Span<float> weights = stackalloc float[16];
        Span<float> mins = stackalloc float[16];
        Span<float> scales = stackalloc float[16];
        const float q4scale = 15f;

        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlySpan<float> xb = x.Slice(i * BlockQ2_K.Count, BlockQ2_K.Count);
            float maxScale = 0, maxMin = 0;   // the minimum is subtracted, so both are non-negative
            for (int g = 0; g < 16; g++)
            {
                ReadOnlySpan<float> xg = xb.Slice(16 * g, 16);
                for (int l = 0; l < 16; l++)
                    weights[l] = MathF.Abs(xg[l]);
                scales[g] = KQuantSearch.MakeQkx2Quants(xg, weights, 3, levels.Slice(16 * g, 16), out mins[g], scratch,
                    -0.5f, 0.1f, 15, useMad: true);
                if (scales[g] > maxScale) maxScale = scales[g];
                if (mins[g] > maxMin) maxMin = mins[g];
            }

            ref BlockQ2_K b = ref blocks[i];
            if (maxScale > 0)
            {
                float iscale = q4scale / maxScale;
                for (int g = 0; g < 16; g++)
                    b.Scales[g] = unchecked((byte)QuantMath.NearestInt(iscale * scales[g]));
                b.D = QuantMath.ToHalf(maxScale / q4scale);
            }
            else
            {
                for (int g = 0; g < 16; g++)
                    b.Scales[g] = 0;
                b.D = QuantMath.ToHalf(0f);
            }
            if (maxMin > 0)
            {
                float iscale = q4scale / maxMin;
                for (int g = 0; g < 16; g++)
                    b.Scales[g] |= unchecked((byte)(QuantMath.NearestInt(iscale * mins[g]) << 4));
                b.DMin = QuantMath.ToHalf(maxMin / q4scale);
            }
            else
            {
                b.DMin = QuantMath.ToHalf(0f);
            }

            // Re-pick the levels against the scales as stored (4-bit codes, f16 super-scales).
            for (int g = 0; g < 16; g++)
            {
                float d = (float)b.D * (b.Scales[g] & 0x0F);
                if (d == 0)
                    continue;
                float dm = (float)b.DMin * (b.Scales[g] >> 4);
                for (int k = 0; k < 16; k++)
                {
                    int l = QuantMath.NearestInt((xb[16 * g + k] + dm) / d);
                    levels[16 * g + k] = (byte)Math.Max(0, Math.Min(3, l));
                }
            }

            for (int h = 0; h < 2; h++)
            {
                for (int l = 0; l < 32; l++)
                {
                    int e = 128 * h + l;
                    b.Qs[32 * h + l] = (byte)(levels[e] | (levels[e + 32] << 2) | (levels[e + 64] << 4) | (levels[e + 96] << 6));
                }
            }
        }
    }

    /// <summary>
    /// ggml's <c>ggml_vec_dot_q2_K_q8_K_generic</c>: Σ d·sc·q·a − dmin·m·Σa, where Σa per group of 16 comes
    /// from the activations' precomputed block sums.
    /// </summary>
    public static float Dot(ReadOnlySpan<BlockQ2_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        QuantArgs.CheckSameLength(x.Length, y.Length, nameof(y));
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            ref readonly BlockQ2_K bx = ref x[i];
            ref readonly BlockQ8_K by = ref y[i];
            int sumMins = 0;
            for (int g = 0; g < 16; g++)
                sumMins += by.BSums[g] * (bx.Scales[g] >> 4);
            float dall = by.D * (float)bx.D;
            float dmin = by.D * (float)bx.DMin;

            int isum = 0;
            for (int g = 0; g < 16; g++)
            {
                int groupSum = 0;
                for (int k = 0; k < 16; k++)
                {
                    int e = 16 * g + k;
                    groupSum += by.Qs[e] * Quant(bx, e);
                }
                isum += (bx.Scales[g] & 0x0F) * groupSum;
            }
            sum += dall * isum - dmin * sumMins;
        }
        return sum;
    }

    /// <summary>The 2-bit quant of weight <paramref name="e"/> (0…255).</summary>
    private static int Quant(in BlockQ2_K b, int e)
    {
        int half = e >> 7, r = e & 127;
        return (b.Qs[32 * half + (r & 31)] >> (2 * (r >> 5))) & 3;
    }
}
