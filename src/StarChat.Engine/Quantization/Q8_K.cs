using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>
/// ggml <c>block_q8_K</c> (292 bytes): the activation format of K-quant dot products. 256 signed bytes with an f32
/// scale and the sums of each 16 quants, so the weights' minimums cost one multiply per group.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ8_K
{
    /// <summary>Values per block.</summary>
    public const int Count = 256;

    /// <summary>Scale (f32, unlike the other formats).</summary>
    public float D;

    /// <summary>Quants, −128…127.</summary>
    public SBytes256 Qs;

    /// <summary>Sum of quants 16·g … 16·g + 15.</summary>
    public Int16s16 BSums;
}

/// <summary>Q8_K: scalar reference quantization (activations) and dequantization.</summary>
internal static class Q8_K
{
    /// <summary>ggml's <c>dequantize_row_q8_K</c>.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ8_K> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ8_K.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ8_K b = ref blocks[i];
            Span<float> out256 = y.Slice(i * BlockQ8_K.Count, BlockQ8_K.Count);
            for (int j = 0; j < BlockQ8_K.Count; j++)
                out256[j] = b.D * b.Qs[j];
        }
    }

    /// <summary>
    /// ggml's <c>quantize_row_q8_K_ref</c>. The largest-magnitude value maps to −127 (not −128, which the AVX
    /// IQ2 kernels could not negate). An all-zero block gets d = 0 and zero quants and sums.
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<BlockQ8_K> blocks)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ8_K.Count, x.Length, nameof(x));
        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlySpan<float> xb = x.Slice(i * BlockQ8_K.Count, BlockQ8_K.Count);
            float max = 0, amax = 0;
            foreach (float v in xb)
            {
                float ax = MathF.Abs(v);
                if (ax > amax)
                {
                    amax = ax;
                    max = v;
                }
            }

            ref BlockQ8_K b = ref blocks[i];
            if (amax == 0)
            {
                b = default;    // ggml leaves the sums unwritten here; zero is what a reader must assume
                continue;
            }
            float iscale = -127f / max;
            for (int j = 0; j < BlockQ8_K.Count; j++)
                b.Qs[j] = unchecked((sbyte)Math.Min(127, QuantMath.NearestInt(iscale * xb[j])));
            for (int g = 0; g < 16; g++)
            {
                int sum = 0;
                for (int k = 0; k < 16; k++)
                    sum += b.Qs[16 * g + k];
                b.BSums[g] = (short)sum;
            }
            b.D = 1 / iscale;
        }
    }
}
