using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>ggml <c>block_q8_0</c> (34 bytes): 32 signed bytes sharing one f16 scale; w = d·q.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ8_0
{
    /// <summary>Weights per block.</summary>
    public const int Count = 32;

    /// <summary>Scale.</summary>
    public Half D;

    /// <summary>Quants, −127…127.</summary>
    public SBytes32 Qs;
}

/// <summary>
/// Q8_0: a weight type and the activation format of Q4_0, Q5_0, Q8_0 and IQ4_NL dot products.
/// Scalar reference dequantization, quantization and Q8_0·Q8_0 dot product.
/// </summary>
internal static class Q8_0
{
    /// <summary>ggml's <c>dequantize_row_q8_0</c>.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ8_0> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ8_0.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ8_0 b = ref blocks[i];
            float d = (float)b.D;
            Span<float> out32 = y.Slice(i * BlockQ8_0.Count, BlockQ8_0.Count);
            for (int j = 0; j < BlockQ8_0.Count; j++)
                out32[j] = b.Qs[j] * d;
        }
    }

    /// <summary>ggml's <c>quantize_row_q8_0_ref</c>, used for weights and (on CPU) for activations alike.</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<BlockQ8_0> blocks)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ8_0.Count, x.Length, nameof(x));
        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlySpan<float> xb = x.Slice(i * BlockQ8_0.Count, BlockQ8_0.Count);
            float amax = 0f;
            foreach (float v in xb)
                amax = amax > MathF.Abs(v) ? amax : MathF.Abs(v);    // C's MAX(a, b), NaN handling included
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;

            ref BlockQ8_0 b = ref blocks[i];
            b.D = QuantMath.ToHalf(d);
            for (int j = 0; j < BlockQ8_0.Count; j++)
                b.Qs[j] = (sbyte)QuantMath.RoundHalfAwayFromZero(xb[j] * id);
        }
    }

    /// <summary>ggml's <c>ggml_vec_dot_q8_0_q8_0_generic</c>.</summary>
    public static float Dot(ReadOnlySpan<BlockQ8_0> x, ReadOnlySpan<BlockQ8_0> y)
    {
        QuantArgs.CheckSameLength(x.Length, y.Length, nameof(y));
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            ref readonly BlockQ8_0 bx = ref x[i];
            ref readonly BlockQ8_0 by = ref y[i];
            int sumi = 0;
            for (int j = 0; j < BlockQ8_0.Count; j++)
                sumi += bx.Qs[j] * by.Qs[j];
            sum += sumi * ((float)bx.D * (float)by.D);
        }
        return sum;
    }
}
