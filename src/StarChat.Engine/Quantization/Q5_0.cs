using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>ggml <c>block_q5_0</c> (22 bytes): 32 weights sharing one f16 scale; w = d·(q − 16), q in 0…31.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ5_0
{
    /// <summary>Weights per block.</summary>
    public const int Count = 32;

    /// <summary>Scale.</summary>
    public Half D;

    /// <summary>Fifth bits: bit j of this little-endian u32 belongs to weight j.</summary>
    public Bytes4 Qh;

    /// <summary>Low four bits: weight j in the low nibble of byte j, weight j + 16 in its high nibble.</summary>
    public Bytes16 Qs;
}

/// <summary>Q5_0: scalar reference dequantization, quantization and dot product with Q8_0 activations.</summary>
internal static class Q5_0
{
    /// <summary>ggml's <c>dequantize_row_q5_0</c>.</summary>
    public static void Dequantize(ReadOnlySpan<BlockQ5_0> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ5_0.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ5_0 b = ref blocks[i];
            float d = (float)b.D;
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(b.Qh);
            Span<float> out32 = y.Slice(i * BlockQ5_0.Count, BlockQ5_0.Count);
            for (int j = 0; j < 16; j++)
            {
                out32[j] = (Low(b, qh, j) - 16) * d;
                out32[j + 16] = (High(b, qh, j) - 16) * d;
            }
        }
    }

    /// <summary>ggml's <c>quantize_row_q5_0_ref</c>.</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<BlockQ5_0> blocks)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ5_0.Count, x.Length, nameof(x));
        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlySpan<float> xb = x.Slice(i * BlockQ5_0.Count, BlockQ5_0.Count);
            float amax = 0f, max = 0f;
            foreach (float v in xb)
            {
                if (amax < MathF.Abs(v))
                {
                    amax = MathF.Abs(v);
                    max = v;
                }
            }
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;

            ref BlockQ5_0 b = ref blocks[i];
            b.D = QuantMath.ToHalf(d);
            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                int q0 = Math.Min(31, (int)(xb[j] * id + 16.5f));
                int q1 = Math.Min(31, (int)(xb[j + 16] * id + 16.5f));
                b.Qs[j] = (byte)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
                qh |= (uint)((q0 >> 4) & 1) << j;
                qh |= (uint)((q1 >> 4) & 1) << (j + 16);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(b.Qh, qh);
        }
    }

    /// <summary>ggml's <c>ggml_vec_dot_q5_0_q8_0_generic</c>.</summary>
    public static float Dot(ReadOnlySpan<BlockQ5_0> x, ReadOnlySpan<BlockQ8_0> y)
    {
        QuantArgs.CheckSameLength(x.Length, y.Length, nameof(y));
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            ref readonly BlockQ5_0 bx = ref x[i];
            ref readonly BlockQ8_0 by = ref y[i];
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(bx.Qh);
            int sumi0 = 0, sumi1 = 0;
            for (int j = 0; j < 16; j++)
            {
                sumi0 += (Low(bx, qh, j) - 16) * by.Qs[j];
                sumi1 += (High(bx, qh, j) - 16) * by.Qs[j + 16];
            }
            sum += (float)bx.D * (float)by.D * (sumi0 + sumi1);
        }
        return sum;
    }

    /// <summary>The 5-bit code of weight j (0…15).</summary>
    internal static int Low(in BlockQ5_0 b, uint qh, int j) => (b.Qs[j] & 0x0F) | (int)(((qh >> j) & 1) << 4);

    /// <summary>The 5-bit code of weight j + 16.</summary>
    internal static int High(in BlockQ5_0 b, uint qh, int j) => (b.Qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
}
