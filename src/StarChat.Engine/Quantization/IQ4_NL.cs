using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>ggml <c>block_iq4_nl</c> (18 bytes): 32 weights, f16 scale, 4-bit indices into a fixed non-linear table.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockIQ4_NL
{
    /// <summary>Weights per block.</summary>
    public const int Count = 32;

    /// <summary>Scale.</summary>
    public Half D;

    /// <summary>Index of weight j in the low nibble of byte j, of weight j + 16 in its high nibble.</summary>
    public Bytes16 Qs;
}

/// <summary>IQ4_NL: scalar reference dequantization, quantization (no importance matrix) and dot product with Q8_0.</summary>
internal static class IQ4_NL
{
    /// <summary>ggml's <c>kvalues_iq4nl</c>: the 16 levels, denser near zero where weights cluster.</summary>
    internal static ReadOnlySpan<sbyte> Levels => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    /// <summary>Scale search steps either side of the first guess used by llama-quantize (<c>quantize_iq4_nl</c>).</summary>
    public const int FileTries = 7;

    /// <summary>ggml's <c>dequantize_row_iq4_nl</c>.</summary>
    public static void Dequantize(ReadOnlySpan<BlockIQ4_NL> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockIQ4_NL.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockIQ4_NL b = ref blocks[i];
            float d = (float)b.D;
            Span<float> out32 = y.Slice(i * BlockIQ4_NL.Count, BlockIQ4_NL.Count);
            for (int j = 0; j < 16; j++)
            {
                out32[j] = d * Levels[b.Qs[j] & 0x0F];
                out32[j + 16] = d * Levels[b.Qs[j] >> 4];
            }
        }
    }

    /// <summary>
    /// ggml's <c>quantize_row_iq4_nl_impl</c> for one 32-weight block without an importance matrix (weights x²).
    /// <paramref name="tries"/> = <see cref="FileTries"/> is <c>quantize_iq4_nl</c> (llama-quantize's output);
    /// −1 is <c>quantize_row_iq4_nl_ref</c> (no search, indices from the first guess).
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<BlockIQ4_NL> blocks, int tries = FileTries)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockIQ4_NL.Count, x.Length, nameof(x));
        ReadOnlySpan<sbyte> levels = Levels;
        // Kept across blocks like ggml's L: an all-zero block without the search leaves the previous indices.
        Span<byte> indices = stackalloc byte[BlockIQ4_NL.Count];
        indices.Clear();
        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlySpan<float> xb = x.Slice(i * BlockIQ4_NL.Count, BlockIQ4_NL.Count);
            float amax = 0f, max = 0f;
            foreach (float v in xb)
            {
                if (MathF.Abs(v) > amax)
                {
                    amax = MathF.Abs(v);
                    max = v;
                }
            }

            float scale = 0f;
            if (amax >= QuantMath.GroupMaxEps)
            {
                float d = tries > 0 ? -max / levels[0] : max / levels[0];
                float id = 1 / d;
                float sumqx = 0, sumq2 = 0;
                for (int j = 0; j < xb.Length; j++)
                {
                    int l = BestIndex(levels, id * xb[j]);
                    indices[j] = (byte)l;
                    float q = levels[l], w = xb[j] * xb[j];
                    sumqx += w * q * xb[j];
                    sumq2 += w * q * q;
                }
                d = sumq2 > 0 ? sumqx / sumq2 : 0f;
                float best = d * sumqx;
                for (int step = -tries; step <= tries; step++)
                {
                    id = (step + levels[0]) / max;
                    sumqx = sumq2 = 0;
                    for (int j = 0; j < xb.Length; j++)
                    {
                        float q = levels[BestIndex(levels, id * xb[j])], w = xb[j] * xb[j];
                        sumqx += w * q * xb[j];
                        sumq2 += w * q * q;
                    }
                    if (sumq2 > 0 && sumqx * sumqx > best * sumq2)
                    {
                        d = sumqx / sumq2;
                        best = d * sumqx;
                    }
                }
                scale = d;
            }

            ref BlockIQ4_NL b = ref blocks[i];
            b.D = QuantMath.ToHalf(scale);
            if (tries > 0)
            {
                // Re-pick every index for the scale the search settled on (the f32 scale, not its f16 rounding).
                float id = scale != 0 ? 1 / scale : 0;
                for (int j = 0; j < xb.Length; j++)
                    indices[j] = (byte)BestIndex(levels, id * xb[j]);
            }
            for (int j = 0; j < 16; j++)
                b.Qs[j] = (byte)(indices[j] | (indices[j + 16] << 4));
        }
    }

    /// <summary>ggml's <c>ggml_vec_dot_iq4_nl_q8_0_generic</c>.</summary>
    public static float Dot(ReadOnlySpan<BlockIQ4_NL> x, ReadOnlySpan<BlockQ8_0> y)
    {
        QuantArgs.CheckSameLength(x.Length, y.Length, nameof(y));
        ReadOnlySpan<sbyte> levels = Levels;
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            ref readonly BlockIQ4_NL bx = ref x[i];
            ref readonly BlockQ8_0 by = ref y[i];
            float d = (float)by.D * (float)bx.D;
            int sumi1 = 0, sumi2 = 0;
            for (int j = 0; j < 16; j++)
            {
                sumi1 += by.Qs[j] * levels[bx.Qs[j] & 0x0F];
                sumi2 += by.Qs[j + 16] * levels[bx.Qs[j] >> 4];
            }
            sum += d * (sumi1 + sumi2);
        }
        return sum;
    }

    /// <summary>ggml's <c>best_index_int8</c>: the level nearest to <paramref name="x"/>, the upper one on a tie.</summary>
    internal static int BestIndex(ReadOnlySpan<sbyte> levels, float x)
    {
        if (x <= levels[0]) return 0;
        if (x >= levels[^1]) return levels.Length - 1;
        int lo = 0, hi = levels.Length - 1;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (x < levels[mid]) hi = mid; else lo = mid;
        }
        return x - levels[hi - 1] < levels[hi] - x ? hi - 1 : hi;
    }
}
