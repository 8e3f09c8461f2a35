using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels;

/// <summary>
/// IEEE binary16 and bfloat16 bit patterns widened to binary32, a vector at a time.
/// .NET 10 exposes no F16C intrinsic (no <c>vcvtph2ps</c>) and no <c>Vector&lt;Half&gt;</c>, so f16 is widened with
/// integer and float arithmetic; bf16 is the upper half of an f32 and needs only a shift.
/// </summary>
/// <remarks>
/// Code the JIT generates for one f16 vector (checked with <c>DOTNET_JitDisasm</c>, and for AVX-512 through NativeAOT
/// with <c>IlcInstructionSet=x86-64-v4</c>, which uses the same JIT): AVX2 <c>vmovdqu xmm; vpmovzxwd ymm; vpand;
/// vpslld; vmulps; vpcmpgtd; vpand; vpor; vpxor; vpslld; vpor</c>; AVX-512 the same on zmm, the compare going through
/// <c>k1</c>/<c>vpmovm2d</c> and the and/or fused into one <c>vpternlogd</c>: 11 instructions per 16 values,
/// against 1 for <c>vcvtph2ps zmm, ymm</c>. Revisit when the runtime exposes F16C/AVX512-FP16 conversions (.NET 11).
/// </remarks>
internal static class HalfWidening
{
    // A binary16 exponent/mantissa field shifted left by 13 lands in binary32's fields with the exponent still
    // biased by 15; multiplying by 2^(127−15) rebiases it exactly, subnormal halves included (the product is
    // always a normal float). Inf/NaN (exponent 31) then get the all-ones f32 exponent, keeping the NaN payload.
    private const float Rebias = 5.192297e33f;            // 2^112
    private const uint ExponentMantissaMask = 0x7FFF;
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
        return BitConverter.UInt32BitsToSingle(f | ((h ^ em) << 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BFloat16ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>
    /// The f16 → f32 constants for <c>Vector256</c>, created once before a loop: passed by value into the
    /// inlined <see cref="Widen"/>, they stay in registers, where the JIT rematerialises <c>Vector256.Create</c>
    /// constants inside unrolled loop bodies.
    /// </summary>
    public readonly struct Half256()
    {
        private readonly Vector256<int> _exponentMantissaMask = Vector256.Create((int)ExponentMantissaMask);
        private readonly Vector256<int> _infOrNaNThreshold = Vector256.Create((int)InfOrNaNThreshold);
        private readonly Vector256<int> _f32ExponentMask = Vector256.Create((int)F32ExponentMask);
        private readonly Vector256<float> _rebias = Vector256.Create(Rebias);

        /// <summary>Eight halves (zero-extended into 32-bit lanes) to floats.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Widen(Vector256<uint> bits)
        {
            var h = bits.AsInt32();
            var em = h & _exponentMantissaMask;
            var f = (Vector256.ShiftLeft(em, 13).AsSingle() * _rebias).AsInt32();
            // Signed compare: lanes hold at most 0x7FFF, and x64 has no unsigned vector compare.
            var infOrNaN = Vector256.GreaterThan(em, _infOrNaNThreshold) & _f32ExponentMask;
            var sign = Vector256.ShiftLeft(h ^ em, 16);
            return (f | infOrNaN | sign).AsSingle();
        }
    }

    /// <summary>The <c>Vector512</c> twin of <see cref="Half256"/>.</summary>
    public readonly struct Half512()
    {
        private readonly Vector512<int> _exponentMantissaMask = Vector512.Create((int)ExponentMantissaMask);
        private readonly Vector512<int> _infOrNaNThreshold = Vector512.Create((int)InfOrNaNThreshold);
        private readonly Vector512<int> _f32ExponentMask = Vector512.Create((int)F32ExponentMask);
        private readonly Vector512<float> _rebias = Vector512.Create(Rebias);

        /// <summary>Sixteen halves (zero-extended into 32-bit lanes) to floats.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Widen(Vector512<uint> bits)
        {
            var h = bits.AsInt32();
            var em = h & _exponentMantissaMask;
            var f = (Vector512.ShiftLeft(em, 13).AsSingle() * _rebias).AsInt32();
            var infOrNaN = Vector512.GreaterThan(em, _infOrNaNThreshold) & _f32ExponentMask;
            var sign = Vector512.ShiftLeft(h ^ em, 16);
            return (f | infOrNaN | sign).AsSingle();
        }
    }

    /// <summary>
    /// Sixteen halves to floats on AVX-512 in five operations: each half's exponent and mantissa moved into f32's
    /// fields with the exponent OR-ed with 224 (the half times 2^112, an infinity or NaN kept as one), then times
    /// 2^−112, which is exact. Subnormal halves (exponent 0) come out with an implicit 1 they do not have: a vector
    /// holding one (≈ 4 % at a trained model's 0.2 %) takes a second, exact step for those lanes. No step ever forms an
    /// f32 subnormal, which Intel cores multiply through a microcode assist.
    /// </summary>
    public readonly struct ScaledHalf512()
    {
        private readonly Vector512<int> _signExponentMantissa = Vector512.Create(unchecked((int)0x8FFFE000));
        private readonly Vector512<int> _rebase = Vector512.Create(224 << 23);
        private readonly Vector512<float> _unscale = Vector512.Create(1f / (1L << 56) / (1L << 56));
        private readonly Vector512<int> _exponent = Vector512.Create(0x7C00);
        private readonly Vector512<int> _mantissa = Vector512.Create(0x3FF);
        private readonly Vector512<float> _subnormalUnit = Vector512.Create(1f / (1 << 24));
        private readonly Vector512<int> _sign = Vector512.Create(int.MinValue);

        /// <summary>Sixteen halves (zero-extended into 32-bit lanes) to floats.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Widen(Vector512<uint> bits)
        {
            var top = Vector512.ShiftLeft(bits.AsInt32(), 16);
            var scaled = (Vector512.ShiftRightArithmetic(top, 3) & _signExponentMantissa) | _rebase;
            var value = scaled.AsSingle() * _unscale;
            var subnormal = Vector512.Equals(bits.AsInt32() & _exponent, Vector512<int>.Zero);
            return subnormal == Vector512<int>.Zero ? value : Subnormals(bits.AsInt32(), top, subnormal, value);
        }

        // ±m·2^−24 for the subnormal lanes (m < 1024, so the conversion is exact and the product a normal float).
        private Vector512<float> Subnormals(Vector512<int> h, Vector512<int> top, Vector512<int> subnormal, Vector512<float> value)
        {
            var magnitude = Vector512.ConvertToSingle(h & _mantissa) * _subnormalUnit;
            var exact = (magnitude.AsInt32() | (top & _sign)).AsSingle();
            return Vector512.ConditionalSelect(subnormal.AsSingle(), exact, value);
        }
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
