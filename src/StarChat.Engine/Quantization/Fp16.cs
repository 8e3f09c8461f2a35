using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>
/// IEEE binary16 ↔ binary32 conversions with ggml's exact rounding: f16 → f32 is exact; f32 → f16 rounds to
/// nearest, ties to even, overflows to ±∞ and keeps subnormals, as <c>GGML_FP32_TO_FP16</c> in ggml-base (the code
/// llama-quantize and the GGUF converters run). Every NaN becomes the quiet NaN <c>0x7E00</c> with the input's sign,
/// as ggml-base writes it (F16C hardware would keep the payload instead; only NaN inputs can tell them apart).
/// </summary>
public static class Fp16
{
    // Every f16 value widened once (256 KiB), as ggml's CPU backend does: a load beats System.Half's bit-twiddling
    // conversion by several times in row loops.
    private static readonly float[] s_toSingle = BuildTable();

    /// <summary>The f32 value of the f16 bit pattern <paramref name="bits"/>; exact for every input.</summary>
    public static float ToSingle(ushort bits) => s_toSingle[bits];

    /// <summary>The f16 bit pattern nearest to <paramref name="value"/> (ties to even).</summary>
    public static ushort FromSingle(float value)
    {
        uint w = BitConverter.SingleToUInt32Bits(value);
        ushort sign = (ushort)((w >> 16) & 0x8000);
        uint abs = w & 0x7FFF_FFFF;

        if (abs > 0x7F80_0000)
            return (ushort)(sign | 0x7E00);
        int exponent = (int)(abs >> 23) - 127;                  // unbiased f32 exponent
        uint mantissa = (abs & 0x007F_FFFF) | 0x0080_0000;      // with the implicit leading 1
        if (exponent >= 16)                                      // ≥ 65536 (and ∞): beyond every f16
            return (ushort)(sign | 0x7C00);
        if (exponent >= -14)
        {
            // Normal range: keep 10 of the 23 fraction bits. A carry out of the fraction bumps the exponent, and out
            // of the largest exponent it lands exactly on the ∞ pattern 0x7C00, which is the IEEE result.
            uint bits = ((uint)(exponent + 15) << 10) | ((abs & 0x007F_FFFF) >> 13);
            return (ushort)(sign | RoundShifted(bits, abs & 0x1FFF, 13));
        }
        if (exponent < -25)                                      // below half the smallest subnormal: ±0
            return sign;
        // Subnormal range: the value in units of 2^-24 is mantissa · 2^(exponent + 1), a right shift of 14…24 bits.
        // Rounding up from the largest subnormal gives 0x0400, the smallest normal, again the right pattern.
        int shift = -(exponent + 1);
        uint kept = mantissa >> shift;
        return (ushort)(sign | RoundShifted(kept, mantissa & ((1u << shift) - 1), shift));
    }

    /// <summary>Converts f16 values stored little-endian in <paramref name="src"/> to f32.</summary>
    /// <exception cref="ArgumentException"><paramref name="src"/> is not 2 bytes per element of <paramref name="dst"/>.</exception>
    public static void ToSingle(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantArgs.CheckBytes(src.Length, (long)dst.Length * 2, nameof(src));
        ReadOnlySpan<ushort> bits = MemoryMarshal.Cast<byte, ushort>(src);
        float[] table = s_toSingle;
        for (int i = 0; i < dst.Length; i++)
            dst[i] = table[BitConverter.IsLittleEndian ? bits[i] : BinaryPrimitives.ReverseEndianness(bits[i])];
    }

    /// <summary>Converts f32 values to f16, stored little-endian in <paramref name="dst"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="dst"/> is not 2 bytes per element of <paramref name="src"/>.</exception>
    public static void FromSingle(ReadOnlySpan<float> src, Span<byte> dst)
    {
        QuantArgs.CheckBytes(dst.Length, (long)src.Length * 2, nameof(dst));
        Span<ushort> bits = MemoryMarshal.Cast<byte, ushort>(dst);
        for (int i = 0; i < src.Length; i++)
            bits[i] = BitConverter.IsLittleEndian ? FromSingle(src[i]) : BinaryPrimitives.ReverseEndianness(FromSingle(src[i]));
    }

    private static float[] BuildTable()
    {
        var table = new float[65536];
        for (int bits = 0; bits < table.Length; bits++)
            table[bits] = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
        return table;
    }

    /// <summary><paramref name="kept"/> rounded by the <paramref name="shift"/> bits dropped from it: nearest, ties to even.</summary>
    private static uint RoundShifted(uint kept, uint dropped, int shift)
    {
        uint half = 1u << (shift - 1);
        return dropped > half || (dropped == half && (kept & 1) != 0) ? kept + 1 : kept;
    }
}
