using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>ggml <c>block_q4_1</c> (20 bytes): 32 weights with an f16 scale and minimum; w = d·q + m.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ4_1
{
    /// <summary>Weights per block.</summary>
    public const int Count = 32;

    /// <summary>Scale.</summary>
    public Half D;

    /// <summary>Minimum (the value of q = 0).</summary>
    public Half M;

    /// <summary>Weight j in the low nibble of byte j, weight j + 16 in its high nibble.</summary>
    public Bytes16 Qs;
}

/// <summary>Q4_1: scalar reference dequantization, quantization and dot product with Q8_1 activations.</summary>
internal static class Q4_1
{
    /// <summary>ggml's <c>dequantize_row_q4_1</c>.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ4_1> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ4_1.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ4_1 b = ref blocks[i];
            float d = (float)b.D, m = (float)b.M;
            Span<float> out32 = y.Slice(i * BlockQ4_1.Count, BlockQ4_1.Count);
            for (int j = 0; j < 16; j++)
            {
                out32[j] = (b.Qs[j] & 0x0F) * d + m;
                out32[j + 16] = (b.Qs[j] >> 4) * d + m;
            }
        }
    }

    /// <summary>ggml's <c>quantize_row_q4_1_ref</c>.</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<BlockQ4_1> blocks)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ4_1.Count, x.Length, nameof(x));
        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlySpan<float> xb = x.Slice(i * BlockQ4_1.Count, BlockQ4_1.Count);
            float min = float.MaxValue, max = -float.MaxValue;
            foreach (float v in xb)
            {
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 15;
            float id = d != 0 ? 1.0f / d : 0.0f;

            ref BlockQ4_1 b = ref blocks[i];
            b.D = QuantMath.ToHalf(d);
            b.M = QuantMath.ToHalf(min);
            for (int j = 0; j < 16; j++)
            {
                int q0 = Math.Min(15, (int)((xb[j] - min) * id + 0.5f));
                int q1 = Math.Min(15, (int)((xb[j + 16] - min) * id + 0.5f));
                b.Qs[j] = (byte)(q0 | (q1 << 4));
            }
        }
    }

    /// <summary>ggml's <c>ggml_vec_dot_q4_1_q8_1_generic</c>; the minimum meets the activations' precomputed d·Σq.</summary>
    public static float Dot(ReadOnlySpan<BlockQ4_1> x, ReadOnlySpan<BlockQ8_1> y)
    {
        QuantArgs.CheckSameLength(x.Length, y.Length, nameof(y));
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            ref readonly BlockQ4_1 bx = ref x[i];
            ref readonly BlockQ8_1 by = ref y[i];
            int sumi0 = 0, sumi1 = 0;
            for (int j = 0; j < 16; j++)
            {
                sumi0 += (bx.Qs[j] & 0x0F) * by.Qs[j];
                sumi1 += (bx.Qs[j] >> 4) * by.Qs[j + 16];
            }
            sum += (float)bx.D * (float)by.D * (sumi0 + sumi1) + (float)bx.M * (float)by.S;
        }
        return sum;
    }
}
