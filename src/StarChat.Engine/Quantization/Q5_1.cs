using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>ggml <c>block_q5_1</c> (24 bytes): 32 weights with an f16 scale and minimum; w = d·q + m, q in 0…31.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ5_1
{
    /// <summary>Weights per block.</summary>
    public const int Count = 32;

    /// <summary>Scale.</summary>
    public Half D;

    /// <summary>Minimum (the value of q = 0).</summary>
    public Half M;

    /// <summary>Fifth bits: bit j of this little-endian u32 belongs to weight j.</summary>
    public Bytes4 Qh;

    /// <summary>Low four bits: weight j in the low nibble of byte j, weight j + 16 in its high nibble.</summary>
    public Bytes16 Qs;
}

/// <summary>Q5_1: scalar reference dequantization, quantization and dot product with Q8_1 activations.</summary>
internal static class Q5_1
{
    /// <summary>ggml's <c>dequantize_row_q5_1</c>.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ5_1> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ5_1.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ5_1 b = ref blocks[i];
            float d = (float)b.D, m = (float)b.M;
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(b.Qh);
            Span<float> out32 = y.Slice(i * BlockQ5_1.Count, BlockQ5_1.Count);
            for (int j = 0; j < 16; j++)
            {
                out32[j] = Low(b, qh, j) * d + m;
                out32[j + 16] = High(b, qh, j) * d + m;
            }
        }
    }

    /// <summary>ggml's <c>quantize_row_q5_1_ref</c>.</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<BlockQ5_1> blocks)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ5_1.Count, x.Length, nameof(x));
        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlySpan<float> xb = x.Slice(i * BlockQ5_1.Count, BlockQ5_1.Count);
            float min = float.MaxValue, max = -float.MaxValue;
            foreach (float v in xb)
            {
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 31;
            float id = d != 0 ? 1.0f / d : 0.0f;

            ref BlockQ5_1 b = ref blocks[i];
            b.D = QuantMath.ToHalf(d);
            b.M = QuantMath.ToHalf(min);
            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                // No clamp, as in ggml: (x − min)·id never exceeds 31 by more than rounding noise.
                int q0 = (int)((xb[j] - min) * id + 0.5f);
                int q1 = (int)((xb[j + 16] - min) * id + 0.5f);
                b.Qs[j] = (byte)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
                qh |= (uint)((q0 >> 4) & 1) << j;
                qh |= (uint)((q1 >> 4) & 1) << (j + 16);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(b.Qh, qh);
        }
    }

    /// <summary>ggml's <c>ggml_vec_dot_q5_1_q8_1_generic</c>.</summary>
    public static float Dot(ReadOnlySpan<BlockQ5_1> x, ReadOnlySpan<BlockQ8_1> y)
    {
        QuantArgs.CheckSameLength(x.Length, y.Length, nameof(y));
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            ref readonly BlockQ5_1 bx = ref x[i];
            ref readonly BlockQ8_1 by = ref y[i];
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(bx.Qh);
            int sumi0 = 0, sumi1 = 0;
            for (int j = 0; j < 16; j++)
            {
                sumi0 += Low(bx, qh, j) * by.Qs[j];
                sumi1 += High(bx, qh, j) * by.Qs[j + 16];
            }
            sum += (float)bx.D * (float)by.D * (sumi0 + sumi1) + (float)bx.M * (float)by.S;
        }
        return sum;
    }

    private static int Low(in BlockQ5_1 b, uint qh, int j) => (b.Qs[j] & 0x0F) | (int)(((qh >> j) & 1) << 4);

    private static int High(in BlockQ5_1 b, uint qh, int j) => (b.Qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
}
