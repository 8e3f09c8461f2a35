using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels;

/// <summary>
/// The AVX2 shortcut for widening f16 weights that the decoding dot (<see cref="InterleavedHalfDot"/>) and the prompt
/// panels (<see cref="PanelTiles.TryPackRebiased"/>) share: each half is put in the top of a 32-bit lane (by
/// interleaving with zero words, <c>vpunpck*wd</c>, or for <see cref="Pairs"/> a shift), then an arithmetic shift
/// lands sign, exponent and mantissa in f32's fields at once, and a mask clears the rest — 3 instructions per 8
/// values against 11 for <see cref="HalfWidening.Half256"/>. That f32 is the weight times 2^−112 (its exponent is
/// still biased for f16), so the activations carry the 2^112 instead (<see cref="TryScale"/>); every product w·x is
/// then the same f32 product as with the exact widening (scaling by a power of two is exact while |x| &lt; 2^15
/// keeps x·2^112 finite).
/// </summary>
/// <remarks>
/// The interleave works inside 128-bit lanes, so <see cref="Low"/> and <see cref="High"/> hold elements {0–3, 8–11}
/// and {4–7, 12–15} of each 16. Infinities and NaN (exponent 31) come out finite, so callers track the largest
/// doubled half (<see cref="InfOrNaNDoubled"/>) and leave such weights to the exact path.
/// </remarks>
internal static class RebiasedHalf
{
    /// <summary>2^112: the factor the activations carry.</summary>
    public const float Rebias = 5.192297e33f;

    /// <summary>2^15: activations at or above it in magnitude would overflow once scaled.</summary>
    public const float LargestActivation = 32768f;

    /// <summary>0x7C00 doubled: a half whose doubled bits reach it (the sign shifted out) has exponent 31.</summary>
    public const ushort InfOrNaNDoubled = 0xF800;

    // Bit 31 (sign) and 13–27 (exponent and mantissa) once the half sits in the top 16 bits and is shifted right by 3;
    // bits 0–12 are cleared too, for Pairs, whose other half lands there.
    private const int SignExponentMantissa = unchecked((int)0x8FFFE000);

    /// <summary>True when this path runs here (AVX2).</summary>
    public static bool IsSupported => Avx2.IsSupported;

    /// <summary>The mask <see cref="Low"/> and <see cref="High"/> take, created once before a loop.</summary>
    public static Vector256<int> Mask => Vector256.Create(SignExponentMantissa);

    /// <summary>Halves {0–3, 8–11} of h as f32·2^−112: sign to bit 31, exponent and mantissa to bits 13–27.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Low(Vector256<ushort> h, Vector256<int> mask)
        => (Vector256.ShiftRightArithmetic(Avx2.UnpackLow(Vector256<ushort>.Zero, h).AsInt32(), 3) & mask).AsSingle();

    /// <summary>Halves {4–7, 12–15} of h as f32·2^−112.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> High(Vector256<ushort> h, Vector256<int> mask)
        => (Vector256.ShiftRightArithmetic(Avx2.UnpackHigh(Vector256<ushort>.Zero, h).AsInt32(), 3) & mask).AsSingle();

    /// <summary>
    /// Eight pairs of consecutive halves (each 32-bit lane holds two: the first in the low word) as f32·2^−112: the
    /// first halves, then the second halves — 5 instructions per 16 values, where the interleave takes 6 (used by
    /// the prompt panels, which transpose the pairs first).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> First, Vector256<float> Second) Pairs(Vector256<int> pairs, Vector256<int> mask)
        => ((Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(pairs, 16), 3) & mask).AsSingle(),
            (Vector256.ShiftRightArithmetic(pairs, 3) & mask).AsSingle());

    /// <summary>The mask <see cref="Pairs512"/> takes, created once before a loop.</summary>
    public static Vector512<int> Mask512 => Vector512.Create(SignExponentMantissa);

    /// <summary><see cref="Pairs"/> for sixteen pairs (AVX-512): the first halves of each 32-bit lane, then the second
    /// halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<float> First, Vector512<float> Second) Pairs512(Vector512<int> pairs, Vector512<int> mask)
        => ((Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(pairs, 16), 3) & mask).AsSingle(),
            (Vector512.ShiftRightArithmetic(pairs, 3) & mask).AsSingle());

    /// <summary>One half as f32·2^−112, for tails.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scalar(ushort h)
        => BitConverter.Int32BitsToSingle(((h << 16) >> 3) & SignExponentMantissa);

    /// <summary>
    /// Writes <paramref name="x"/>·2^112 to <paramref name="destination"/> in the same order. False when some
    /// |x| ≥ 2^15 (or is NaN): the destination is then unspecified and the exact path must be used.
    /// </summary>
    public static bool TryScale(ReadOnlySpan<float> x, Span<float> destination)
    {
        var largest = Vector256<float>.Zero;
        var rebias = Vector256.Create(Rebias);
        int i = 0;
        for (; i + 8 <= x.Length; i += 8)
        {
            var a = Vector256.Create(x.Slice(i, 8));
            largest = Vector256.Max(largest, Vector256.Abs(a));
            (a * rebias).CopyTo(destination.Slice(i, 8));
        }
        bool fits = Vector256.LessThanAll(largest, Vector256.Create(LargestActivation));
        for (; i < x.Length; i++)
        {
            fits &= Math.Abs(x[i]) < LargestActivation;
            destination[i] = x[i] * Rebias;
        }
        // Written as "all below" so that a NaN also fails.
        return fits;
    }
}
