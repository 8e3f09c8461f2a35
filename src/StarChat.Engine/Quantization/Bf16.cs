using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>
/// bfloat16 ↔ binary32 conversions as ggml does them: bf16 → f32 is a 16-bit shift (exact); f32 → bf16 rounds to
/// nearest, ties to even, keeps subnormals, and turns every NaN into a quiet NaN that keeps the upper payload bits
/// (<c>ggml_compute_fp32_to_bf16</c>, the same rule as PyTorch and Google Brain).
/// </summary>
public static class Bf16
{
    /// <summary>The f32 value of the bf16 bit pattern <paramref name="bits"/>.</summary>
    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>The bf16 bit pattern nearest to <paramref name="value"/> (ties to even).</summary>
    public static ushort FromSingle(float value)
    {
        uint w = BitConverter.SingleToUInt32Bits(value);
        if ((w & 0x7FFF_FFFF) > 0x7F80_0000)
            return (ushort)((w >> 16) | 0x40);                   // NaN: set the quiet bit, never round into ∞
        // Adding just under half a bf16 ulp, plus one when the kept part is odd, rounds ties to even;
        // the carry may run into the exponent, which is the correct result (up to ∞).
        return (ushort)((w + 0x7FFF + ((w >> 16) & 1)) >> 16);
    }

    /// <summary>Converts bf16 values stored little-endian in <paramref name="src"/> to f32.</summary>
    /// <exception cref="ArgumentException"><paramref name="src"/> is not 2 bytes per element of <paramref name="dst"/>.</exception>
    public static void ToSingle(ReadOnlySpan<byte> src, Span<float> dst)
    {
        QuantArgs.CheckBytes(src.Length, (long)dst.Length * 2, nameof(src));
        ReadOnlySpan<ushort> bits = MemoryMarshal.Cast<byte, ushort>(src);
        for (int i = 0; i < dst.Length; i++)
            dst[i] = ToSingle(BitConverter.IsLittleEndian ? bits[i] : BinaryPrimitives.ReverseEndianness(bits[i]));
    }

    /// <summary>Converts f32 values to bf16, stored little-endian in <paramref name="dst"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="dst"/> is not 2 bytes per element of <paramref name="src"/>.</exception>
    public static void FromSingle(ReadOnlySpan<float> src, Span<byte> dst)
    {
        QuantArgs.CheckBytes(dst.Length, (long)src.Length * 2, nameof(dst));
        Span<ushort> bits = MemoryMarshal.Cast<byte, ushort>(dst);
        for (int i = 0; i < src.Length; i++)
            bits[i] = BitConverter.IsLittleEndian ? FromSingle(src[i]) : BinaryPrimitives.ReverseEndianness(FromSingle(src[i]));
    }
}
