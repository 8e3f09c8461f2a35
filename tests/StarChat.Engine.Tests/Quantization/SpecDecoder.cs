using System.Buffers.Binary;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Quantization;

/// <summary>
/// An independent decoder written from the text of formats.md §9: one element at a time, byte offsets as the doc
/// gives them, products in the doc's order (d·scale first, then ·q, then − dmin·min). The engine's decoders follow
/// ggml's loops instead; the two must agree bit for bit.
/// </summary>
internal static class SpecDecoder
{
    private static readonly int[] s_iq4nlTable = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    public static float Element(TensorType type, ReadOnlySpan<byte> b, int i) => type switch
    {
        TensorType.Q4_0 => F16(b, 0) * (Nibble(b, 2, i) - 8),
        TensorType.Q4_1 => F16(b, 0) * Nibble(b, 4, i) + F16(b, 2),
        TensorType.Q5_0 => F16(b, 0) * (Five(b, 2, 6, i) - 16),
        TensorType.Q5_1 => F16(b, 0) * Five(b, 4, 8, i) + F16(b, 2),
        TensorType.Q8_0 => F16(b, 0) * (sbyte)b[2 + i],
        TensorType.Q8_1 => F16(b, 0) * (sbyte)b[4 + i],
        TensorType.Q2_K => Q2K(b, i),
        TensorType.Q3_K => Q3K(b, i),
        TensorType.Q4_K => Q45K(b, i, qsOffset: 16, fifthBits: false),
        TensorType.Q5_K => Q45K(b, i, qsOffset: 48, fifthBits: true),
        TensorType.Q6_K => Q6K(b, i),
        TensorType.Q8_K => BinaryPrimitives.ReadSingleLittleEndian(b) * (sbyte)b[4 + i],
        TensorType.IQ4_NL => F16(b, 0) * s_iq4nlTable[Nibble(b, 2, i)],
        _ => throw new NotSupportedException(type.ToString()),
    };

    private static float F16(ReadOnlySpan<byte> b, int offset) => (float)BinaryPrimitives.ReadHalfLittleEndian(b[offset..]);

    // "element j = low nibble of qs[j], element j+16 = high nibble"
    private static int Nibble(ReadOnlySpan<byte> b, int qs, int i) => i < 16 ? b[qs + i] & 15 : b[qs + i - 16] >> 4;

    private static int Five(ReadOnlySpan<byte> b, int qhOffset, int qs, int i)
        => Nibble(b, qs, i) | (int)((BinaryPrimitives.ReadUInt32LittleEndian(b[qhOffset..]) >> i) & 1) << 4;

    private static float Q2K(ReadOnlySpan<byte> b, int i)
    {
        int half = i / 128, r = i % 128, shift = 2 * (r / 32), l = r % 32;
        int q = (b[16 + 32 * half + l] >> shift) & 3;
        int s = b[i / 16];
        return F16(b, 80) * (s & 15) * q - F16(b, 82) * (s >> 4);
    }

    private static float Q3K(ReadOnlySpan<byte> b, int i)
    {
        ReadOnlySpan<byte> scales = b.Slice(96, 12);
        int j = i / 16;
        int low4 = j < 8 ? scales[j] & 15 : scales[j - 8] >> 4;
        int high2 = (scales[8 + j % 4] >> (2 * (j / 4))) & 3;
        int sc = (low4 | high2 << 4) - 32;
        int half = i / 128, r = i % 128, shift = 2 * (r / 32), l = r % 32;
        int q2 = (b[32 + 32 * half + l] >> shift) & 3;
        int hb = (b[l] >> (i / 32)) & 1;
        int q = q2 - (hb != 0 ? 0 : 4);
        return F16(b, 108) * sc * q;
    }

    private static float Q45K(ReadOnlySpan<byte> b, int i, int qsOffset, bool fifthBits)
    {
        ReadOnlySpan<byte> s = b.Slice(4, 12);
        int j = i / 32, l = i % 32;
        int sc, mn;
        if (j < 4)
        {
            sc = s[j] & 63;
            mn = s[j + 4] & 63;
        }
        else
        {
            sc = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
            mn = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
        }
        int packed = b[qsOffset + 32 * (i / 64) + l];
        int q = j % 2 == 0 ? packed & 15 : packed >> 4;
        if (fifthBits)
            q += 16 * ((b[16 + l] >> j) & 1);
        return F16(b, 0) * sc * q - F16(b, 2) * mn;
    }

    private static float Q6K(ReadOnlySpan<byte> b, int i)
    {
        int half = i / 128, r = i % 128, quarter = r / 32, l = r % 32;
        int lowByte = b[64 * half + 32 * (quarter % 2) + l];
        int low = quarter < 2 ? lowByte & 15 : lowByte >> 4;
        int hi = (b[128 + 32 * half + l] >> (2 * quarter)) & 3;
        int q = (low | hi << 4) - 32;
        return F16(b, 208) * (sbyte)b[192 + i / 16] * q;
    }
}
