using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>ggml <c>block_q4_0</c> (18 bytes): 32 weights sharing one f16 scale; w = d·(q − 8).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ4_0
{
    /// <summary>Weights per block.</summary>
    public const int Count = 32;

    /// <summary>Scale.</summary>
    public Half D;

    /// <summary>Weight j in the low nibble of byte j, weight j + 16 in its high nibble.</summary>
    public Bytes16 Qs;
}

/// <summary>Q4_0: scalar reference dequantization, quantization and dot product with Q8_0 activations.</summary>
internal static class Q4_0
{
    /// <summary>ggml's <c>dequantize_row_q4_0</c>.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ4_0> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ4_0.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ4_0 b = ref blocks[i];
            float d = (float)b.D;
            Span<float> out32 = y.Slice(i * BlockQ4_0.Count, BlockQ4_0.Count);
            for (int j = 0; j < 16; j++)
            {
                out32[j] = ((b.Qs[j] & 0x0F) - 8) * d;
                out32[j + 16] = ((b.Qs[j] >> 4) - 8) * d;
            }
        }
    }

    /// <summary>ggml's <c>quantize_row_q4_0_ref</c> (what llama-quantize writes without an importance matrix).</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<BlockQ4_0> blocks)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ4_0.Count, x.Length, nameof(x));
        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlySpan<float> xb = x.Slice(i * BlockQ4_0.Count, BlockQ4_0.Count);
            // The signed value of largest magnitude maps to −8, the one level with no positive twin;
            // so d is negative whenever that value is positive.
            float amax = 0f, max = 0f;
            foreach (float v in xb)
            {
                if (amax < MathF.Abs(v))
                {
                    amax = MathF.Abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;

            ref BlockQ4_0 b = ref blocks[i];
            b.D = QuantMath.ToHalf(d);
            for (int j = 0; j < 16; j++)
            {
                // C truncates x·id + 8.5 to int8: round half up for the in-range values 0.5…16.5
                int q0 = Math.Min(15, (int)(xb[j] * id + 8.5f));
                int q1 = Math.Min(15, (int)(xb[j + 16] * id + 8.5f));
                b.Qs[j] = (byte)(q0 | (q1 << 4));
            }
        }
    }

    /// <summary>ggml's <c>ggml_vec_dot_q4_0_q8_0_generic</c>: integer sums per block, then the two scales.</summary>
    public static float Dot(ReadOnlySpan<BlockQ4_0> x, ReadOnlySpan<BlockQ8_0> y)
    {
        QuantArgs.CheckSameLength(x.Length, y.Length, nameof(y));
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            ref readonly BlockQ4_0 bx = ref x[i];
            ref readonly BlockQ8_0 by = ref y[i];
            int sumi0 = 0, sumi1 = 0;
            for (int j = 0; j < 16; j++)
            {
                sumi0 += ((bx.Qs[j] & 0x0F) - 8) * by.Qs[j];
                sumi1 += ((bx.Qs[j] >> 4) - 8) * by.Qs[j + 16];
            }
            sum += (sumi0 + sumi1) * (float)bx.D * (float)by.D;
        }
        return sum;
    }
}
