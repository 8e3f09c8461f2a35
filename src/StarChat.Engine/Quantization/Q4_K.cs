using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>
/// ggml <c>block_q4_K</c> (144 bytes): 256 weights in 8 sub-blocks of 32, each with a 6-bit scale and 6-bit
/// minimum; w = (d·sc)·q − dmin·m, q in 0…15.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ4_K
{
    /// <summary>Weights per block.</summary>
    public const int Count = 256;

    /// <summary>Super-block scale of the sub-block scales.</summary>
    public Half D;

    /// <summary>Super-block scale of the sub-block minimums.</summary>
    public Half DMin;

    /// <summary>Packed 6-bit scales and minimums (<see cref="KScales"/>).</summary>
    public Bytes12 Scales;

    /// <summary>Weight 64·k + l in the low nibble of byte 32·k + l, weight 64·k + 32 + l in its high nibble.</summary>
    public Bytes128 Qs;
}

/// <summary>Q4_K: scalar reference dequantization, quantization and dot product with Q8_K activations.</summary>
internal static class Q4_K
{
    /// <summary>ggml's <c>dequantize_row_q4_K</c>.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ4_K> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ4_K.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ4_K b = ref blocks[i];
            float d = (float)b.D, dmin = (float)b.DMin;
            Span<float> out256 = y.Slice(i * BlockQ4_K.Count, BlockQ4_K.Count);
            for (int j = 0; j < 8; j++)
            {
                var (sc, m) = KScales.Get(b.Scales, j);
                float d1 = d * sc, m1 = dmin * m;
                for (int l = 0; l < 32; l++)
                    out256[32 * j + l] = d1 * Quant(b, j, l) - m1;
            }
        }
    }

    /// <summary>ggml's <c>quantize_row_q4_K_ref</c> (llama-quantize's Q4_K without an importance matrix).</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<BlockQ4_K> blocks)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ4_K.Count, x.Length, nameof(x));
        Span<byte> levels = stackalloc byte[BlockQ4_K.Count];
        Span<byte> scratch = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> mins = stackalloc float[8];
        Span<float> scales = stackalloc float[8];

        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlySpan<float> xb = x.Slice(i * BlockQ4_K.Count, BlockQ4_K.Count);
            KSubBlocks.Fit(xb, 15, -1f, 0.1f, 20, levels, scratch, weights, scales, mins, out float maxScale, out float maxMin);

            ref BlockQ4_K b = ref blocks[i];
            KSubBlocks.StoreScales(b.Scales, scales, mins, maxScale, maxMin, out b.D, out b.DMin);
            KSubBlocks.Requantize(xb, b.Scales, (float)b.D, (float)b.DMin, 15, levels);

            for (int k = 0; k < 4; k++)
            {
                for (int l = 0; l < 32; l++)
                    b.Qs[32 * k + l] = (byte)(levels[64 * k + l] | (levels[64 * k + 32 + l] << 4));
            }
        }
    }

    /// <summary>
    /// ggml's <c>ggml_vec_dot_q4_K_q8_K_generic</c>: eight integer lanes (element index mod 8) scaled per block into
    /// eight float accumulators; the minimums use the activations' block sums and go straight into the total.
    /// </summary>
    public static float Dot(ReadOnlySpan<BlockQ4_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        QuantArgs.CheckSameLength(x.Length, y.Length, nameof(y));
        Span<int> lanes = stackalloc int[8];
        Span<float> sums = stackalloc float[8];
        sums.Clear();
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            ref readonly BlockQ4_K bx = ref x[i];
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

    /// <summary>The 4-bit quant of element <paramref name="l"/> of sub-block <paramref name="j"/>.</summary>
    private static int Quant(in BlockQ4_K b, int j, int l)
    {
        int packed = b.Qs[32 * (j >> 1) + l];
        return (j & 1) == 0 ? packed & 0x0F : packed >> 4;
    }
}
