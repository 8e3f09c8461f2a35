using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>
/// ggml <c>block_q5_K</c> (176 bytes): Q4_K plus a fifth bit per weight; w = (d·sc)·q − dmin·m, q in 0…31.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ5_K
{
    /// <summary>Weights per block.</summary>
    public const int Count = 256;

    /// <summary>Super-block scale of the sub-block scales.</summary>
    public Half D;

    /// <summary>Super-block scale of the sub-block minimums.</summary>
    public Half DMin;

    /// <summary>Packed 6-bit scales and minimums (<see cref="KScales"/>).</summary>
    public Bytes12 Scales;

    /// <summary>Fifth bit of element l of sub-block j in bit j of byte l.</summary>
    public Bytes32 Qh;

    /// <summary>Low four bits, laid out as Q4_K's quants.</summary>
    public Bytes128 Qs;
}

/// <summary>Q5_K: scalar reference dequantization, quantization and dot product with Q8_K activations.</summary>
internal static class Q5_K
{
    /// <summary>ggml's <c>dequantize_row_q5_K</c>.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ5_K> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ5_K.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ5_K b = ref blocks[i];
            float d = (float)b.D, dmin = (float)b.DMin;
            Span<float> out256 = y.Slice(i * BlockQ5_K.Count, BlockQ5_K.Count);
            for (int j = 0; j < 8; j++)
            {
                var (sc, m) = KScales.Get(b.Scales, j);
                float d1 = d * sc, m1 = dmin * m;
                for (int l = 0; l < 32; l++)
                    out256[32 * j + l] = d1 * Quant(b, j, l) - m1;
            }
        }
    }

    /// <summary>ggml's <c>quantize_row_q5_K_ref</c> (llama-quantize's Q5_K without an importance matrix).</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<BlockQ5_K> blocks)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ5_K.Count, x.Length, nameof(x));
        Span<byte> levels = stackalloc byte[BlockQ5_K.Count];
        Span<byte> scratch = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> mins = stackalloc float[8];
        Span<float> scales = stackalloc float[8];

        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlySpan<float> xb = x.Slice(i * BlockQ5_K.Count, BlockQ5_K.Count);
            KSubBlocks.Fit(xb, 31, -0.5f, 0.1f, 15, levels, scratch, weights, scales, mins, out float maxScale, out float maxMin);

            ref BlockQ5_K b = ref blocks[i];
            KSubBlocks.StoreScales(b.Scales, scales, mins, maxScale, maxMin, out b.D, out b.DMin);
            KSubBlocks.Requantize(xb, b.Scales, (float)b.D, (float)b.DMin, 31, levels);

            Span<byte> qh = b.Qh;
            qh.Clear();
            for (int k = 0; k < 4; k++)
            {
                for (int l = 0; l < 32; l++)
                {
                    int low = levels[64 * k + l], high = levels[64 * k + 32 + l];
                    if (low > 15)
                    {
                        low -= 16;
                        qh[l] |= (byte)(1 << (2 * k));
                    }
                    if (high > 15)
                    {
                        high -= 16;
                        qh[l] |= (byte)(2 << (2 * k));
                    }
                    b.Qs[32 * k + l] = (byte)(low | (high << 4));
                }
            }
        }
    }

    /// <summary>ggml's <c>ggml_vec_dot_q5_K_q8_K_generic</c> (same accumulation as <see cref="Q4_K.Dot"/>).</summary>
    public static float Dot(ReadOnlySpan<BlockQ5_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        QuantArgs.CheckSameLength(x.Length, y.Length, nameof(y));
        Span<int> lanes = stackalloc int[8];
        Span<float> sums = stackalloc float[8];
        sums.Clear();
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            ref readonly BlockQ5_K bx = ref x[i];
            ref readonly BlockQ8_K by = ref y[i];
            lanes.Clear();
            int sumMins = 0;
            for (int j = 0; j < 8; j++)
            {
                var (sc, m) = KScales.Get(bx.Scales, j);
                sumMins += (by.BSums[2 * j] + by.BSums[2 * j + 1]) * m;
                for (int l = 0; l < 32; l++)
                    lanes[l & 7] += sc * (by.Qs[32 * j + l] * Quant(bx, j, l));
            }
            float d = (float)bx.D * by.D;
            for (int l = 0; l < 8; l++)
                sums[l] += d * lanes[l];
            float dmin = (float)bx.DMin * by.D;
            sum -= dmin * sumMins;
        }
        for (int l = 0; l < 8; l++)
            sum += sums[l];
        return sum;
    }

    /// <summary>The 5-bit quant of element <paramref name="l"/> of sub-block <paramref name="j"/>.</summary>
    private static int Quant(in BlockQ5_K b, int j, int l)
    {
        int packed = b.Qs[32 * (j >> 1) + l];
        int low = (j & 1) == 0 ? packed & 0x0F : packed >> 4;
        return low | (((b.Qh[l] >> j) & 1) << 4);
    }
}
