using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels;

/// <summary>
/// IEEE binary16 and bfloat16 bit patterns widened to binary32, a vector at a time.
/// .NET 10 exposes no F16C intrinsic (no <c>vcvtph2ps</c>) and no <c>Vector&lt;Half&gt;</c>, so f16 is widened with
/// integer and float arithmetic; bf16 is the upper half of an f32 and needs only a shift.
/// </summary>
internal static class HalfWidening
{
    // A binary16 exponent/mantissa field shifted left by 13 lands in binary32's fields with the exponent still
    // biased by 15; multiplying by 2^(127−15) rebiases it exactly, subnormal halves included (the product is
    // always a normal float). Inf/NaN (exponent 31) then get the all-ones f32 exponent, keeping the NaN payload.
    private const float Rebias = 5.192297e33f;            // 2^112
    private const uint ExponentMantissaMask = 0x7FFF;
    private const uint SignMask = 0x8000;
    private const uint InfOrNaNThreshold = 0x7BFF;        // fields above this have exponent 31
    private const uint F32ExponentMask = 0x7F800000;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HalfToSingle(ushort bits)
    {
        uint h = bits;
        uint em = h & ExponentMantissaMask;
        uint f = BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(em << 13) * Rebias);
        if (em > InfOrNaNThreshold)
            f |= F32ExponentMask;
        return BitConverter.UInt32BitsToSingle(f | ((h & SignMask) << 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BFloat16ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Eight halves (zero-extended into 32-bit lanes) to floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfToSingle(Vector256<uint> h)
    {
        var em = h & Vector256.Create(ExponentMantissaMask);
        var f = (Vector256.ShiftLeft(em, 13).AsSingle() * Vector256.Create(Rebias)).AsUInt32();
        var infOrNaN = Vector256.GreaterThan(em, Vector256.Create(InfOrNaNThreshold)) & Vector256.Create(F32ExponentMask);
        var sign = Vector256.ShiftLeft(h & Vector256.Create(SignMask), 16);
        return (f | infOrNaN | sign).AsSingle();
    }

    /// <summary>Sixteen halves (zero-extended into 32-bit lanes) to floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> HalfToSingle(Vector512<uint> h)
    {
        var em = h & Vector512.Create(ExponentMantissaMask);
        var f = (Vector512.ShiftLeft(em, 13).AsSingle() * Vector512.Create(Rebias)).AsUInt32();
        var infOrNaN = Vector512.GreaterThan(em, Vector512.Create(InfOrNaNThreshold)) & Vector512.Create(F32ExponentMask);
        var sign = Vector512.ShiftLeft(h & Vector512.Create(SignMask), 16);
        return (f | infOrNaN | sign).AsSingle();
    }

    /// <summary>Loads 8 f16 bit patterns and zero-extends them (<c>vpmovzxwd ymm, m128</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Load8(ref ushort source, nuint index)
        => Vector256.WidenLower(Vector128.LoadUnsafe(ref source, index).ToVector256Unsafe());

    /// <summary>Loads 16 f16 bit patterns and zero-extends them (<c>vpmovzxwd zmm, m256</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Load16(ref ushort source, nuint index)
        => Vector512.WidenLower(Vector256.LoadUnsafe(ref source, index).ToVector512Unsafe());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> BFloat16ToSingle(Vector256<uint> h) => Vector256.ShiftLeft(h, 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> BFloat16ToSingle(Vector512<uint> h) => Vector512.ShiftLeft(h, 16).AsSingle();
}
