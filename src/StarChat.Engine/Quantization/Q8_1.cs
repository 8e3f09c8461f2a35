using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>
/// ggml <c>block_q8_1</c> (36 bytes): the activation format of Q4_1 and Q5_1 dot products. 32 signed bytes with an
/// f16 scale, plus s = d·Σq so the weights' minimum costs one multiply per block.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ8_1
{
    /// <summary>Values per block.</summary>
    public const int Count = 32;

    /// <summary>Scale.</summary>
    public Half D;

    /// <summary>d times the sum of the quants.</summary>
    public Half S;

    /// <summary>Quants, −127…127.</summary>
    public SBytes32 Qs;
}

/// <summary>Q8_1: scalar reference quantization (activations) and dequantization.</summary>
internal static class Q8_1
{
    /// <summary>w = d·q (the sum field is not needed).</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ8_1> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ8_1.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ8_1 b = ref blocks[i];
            float d = (float)b.D;
            Span<float> out32 = y.Slice(i * BlockQ8_1.Count, BlockQ8_1.Count);
            for (int j = 0; j < BlockQ8_1.Count; j++)
                out32[j] = b.Qs[j] * d;
        }
    }

    /// <summary>ggml's <c>quantize_row_q8_1_ref</c>.</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<BlockQ8_1> blocks)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ8_1.Count, x.Length, nameof(x));
        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlySpan<float> xb = x.Slice(i * BlockQ8_1.Count, BlockQ8_1.Count);
            float amax = 0f;
            foreach (float v in xb)
                amax = amax > MathF.Abs(v) ? amax : MathF.Abs(v);    // C's MAX(a, b), NaN handling included
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;

            ref BlockQ8_1 b = ref blocks[i];
            b.D = QuantMath.ToHalf(d);
            int sum = 0;
            for (int j = 0; j < BlockQ8_1.Count; j++)
            {
                b.Qs[j] = (sbyte)QuantMath.RoundHalfAwayFromZero(xb[j] * id);
                sum += b.Qs[j];
            }
            b.S = QuantMath.ToHalf(sum * d);
        }
    }
}
