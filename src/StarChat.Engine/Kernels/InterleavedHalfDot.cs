using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels;

/// <summary>
/// F16 weight rows · f32 activations for decoding on AVX2 and AVX-512, with the activations put once per call in the
/// order the widened weights come out in (an order that depends on the vector width). AVX2 widens with
/// <see cref="RebiasedHalf"/>'s shortcut, under half the instructions of <see cref="HalfWidening.Half256"/>, the
/// activations carrying the 2^112; AVX-512 widens two halves per 32-bit lane exactly with integer operations only.
/// </summary>
/// <remarks>
/// Rows holding an infinity or NaN (exponent 31, which neither widening expresses) are left to the exact path, and on
/// AVX2 activations of 2^15 or more: each row tracks its largest |half|, the activations are checked once.
/// </remarks>
internal static class InterleavedHalfDot
{
    /// <summary>True when this path runs here (AVX2).</summary>
    public static bool IsSupported => RebiasedHalf.IsSupported;

    /// <summary>True when the AVX-512 width runs here (<see cref="Order512"/>, <see cref="TryDot512"/>).</summary>
    public static bool Is512Supported => Avx512BW.IsSupported;

    /// <summary>
    /// Writes <paramref name="x"/>·2^112 in the order the widened weights come out in (whole groups of 16; a tail
    /// stays in place, unscaled). False when some |x| ≥ 2^15 (or is NaN): then use the exact path.
    /// </summary>
    public static bool TryPrepare(ReadOnlySpan<float> x, Span<float> destination)
    {
        var largest = Vector256<float>.Zero;
        var rebias = Vector256.Create(RebiasedHalf.Rebias);
        int i = 0;
        for (; i + 16 <= x.Length; i += 16)
        {
            var a = Vector256.Create(x.Slice(i, 8));
            var b = Vector256.Create(x.Slice(i + 8, 8));
            largest = Vector256.Max(largest, Vector256.Max(Vector256.Abs(a), Vector256.Abs(b)));
            // a = 0..7, b = 8..15 → {0–3, 8–11} and {4–7, 12–15}
            (Avx.Permute2x128(a, b, 0x20) * rebias).CopyTo(destination.Slice(i, 8));
            (Avx.Permute2x128(a, b, 0x31) * rebias).CopyTo(destination.Slice(i + 8, 8));
        }
        x[i..].CopyTo(destination[i..]);
        // Written as "not all below" so that a NaN also fails.
        return Vector256.LessThanAll(largest, Vector256.Create(RebiasedHalf.LargestActivation));
    }

    /// <summary>Σ w·x for one row with activations from <see cref="TryPrepare"/>; false (and no sum) when the row
    /// holds an infinity or NaN.</summary>
    public static unsafe bool TryDot(ReadOnlySpan<ushort> w, ReadOnlySpan<float> prepared, out float sum)
    {
        ref ushort pw = ref MemoryMarshal.GetReference(w);
        ref float px = ref MemoryMarshal.GetReference(prepared);
        nuint n = (nuint)w.Length, i = 0;
        var mask = RebiasedHalf.Mask;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<ushort> largest = default;
        for (; i + 32 <= n; i += 32)
        {
            // One line per step, DecodePrefetch.Distance bytes ahead: the weights stream at the memory's pace.
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref pw, i + DecodePrefetch.Distance / sizeof(ushort))));
            var h0 = Vector256.LoadUnsafe(ref pw, i);
            var h1 = Vector256.LoadUnsafe(ref pw, i + 16);
            largest = Avx2.Max(largest, Avx2.Max(h0 + h0, h1 + h1));       // |h|·2: the sign shifted out
            a0 = Vector256.MultiplyAddEstimate(RebiasedHalf.Low(h0, mask), Vector256.LoadUnsafe(ref px, i), a0);
            a1 = Vector256.MultiplyAddEstimate(RebiasedHalf.High(h0, mask), Vector256.LoadUnsafe(ref px, i + 8), a1);
            a2 = Vector256.MultiplyAddEstimate(RebiasedHalf.Low(h1, mask), Vector256.LoadUnsafe(ref px, i + 16), a2);
            a3 = Vector256.MultiplyAddEstimate(RebiasedHalf.High(h1, mask), Vector256.LoadUnsafe(ref px, i + 24), a3);
        }
        for (; i + 16 <= n; i += 16)
        {
            var h = Vector256.LoadUnsafe(ref pw, i);
            largest = Avx2.Max(largest, h + h);
            a0 = Vector256.MultiplyAddEstimate(RebiasedHalf.Low(h, mask), Vector256.LoadUnsafe(ref px, i), a0);
            a1 = Vector256.MultiplyAddEstimate(RebiasedHalf.High(h, mask), Vector256.LoadUnsafe(ref px, i + 8), a1);
        }
        sum = 0;
        if (Vector256.GreaterThanOrEqualAny(largest, Vector256.Create(RebiasedHalf.InfOrNaNDoubled)))
            return false;
        sum = Vector256.Sum((a0 + a1) + (a2 + a3));
        for (; i < n; i++)
            sum += HalfWidening.HalfToSingle(Unsafe.Add(ref pw, i)) * Unsafe.Add(ref px, i);
        return true;
    }

    /// <summary>
    /// The activations in the order <see cref="TryDot512"/> reads them: in each group of 32, the even elements, then
    /// the odd ones (a tail of fewer than 32 stays in place). Unscaled: that dot widens the halves exactly.
    /// </summary>
    public static void Order512(ReadOnlySpan<float> x, Span<float> destination)
    {
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odds = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        int i = 0;
        for (; i + 32 <= x.Length; i += 32)
        {
            var a = Vector512.Create(x.Slice(i, 16));
            var b = Vector512.Create(x.Slice(i + 16, 16));
            Avx512F.PermuteVar16x32x2(a, evens, b).CopyTo(destination.Slice(i, 16));
            Avx512F.PermuteVar16x32x2(a, odds, b).CopyTo(destination.Slice(i + 16, 16));
        }
        x[i..].CopyTo(destination[i..]);
    }

    /// <summary>
    /// Σ w·x for one row on AVX-512, with activations from <see cref="Order512"/>; false (and no sum) when the row
    /// holds an infinity or NaN. Each 32-bit lane of the weights holds two halves, widened exactly by
    /// <see cref="ExactHalf512"/>.
    /// </summary>
    public static unsafe bool TryDot512(ReadOnlySpan<ushort> w, ReadOnlySpan<float> prepared, out float sum)
    {
        ref ushort pw = ref MemoryMarshal.GetReference(w);
        ref float px = ref MemoryMarshal.GetReference(prepared);
        nuint n = (nuint)w.Length, i = 0;
        var half = new ExactHalf512();
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<ushort> largest = default;
        for (; i + 64 <= n; i += 64)
        {
            // Both lines of this step, DecodePrefetch.Distance bytes ahead (without: 20 % slower).
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref pw, i + DecodePrefetch.Distance / sizeof(ushort))));
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref pw, i + 32 + DecodePrefetch.Distance / sizeof(ushort))));
            var h0 = Vector512.LoadUnsafe(ref pw, i);
            var h1 = Vector512.LoadUnsafe(ref pw, i + 32);
            largest = Vector512.Max(largest, Vector512.Max(h0 + h0, h1 + h1));
            a0 = Vector512.MultiplyAddEstimate(half.Widen(Vector512.ShiftLeft(h0.AsInt32(), 16)), Vector512.LoadUnsafe(ref px, i), a0);
            a1 = Vector512.MultiplyAddEstimate(half.Widen(h0.AsInt32()), Vector512.LoadUnsafe(ref px, i + 16), a1);
            a2 = Vector512.MultiplyAddEstimate(half.Widen(Vector512.ShiftLeft(h1.AsInt32(), 16)), Vector512.LoadUnsafe(ref px, i + 32), a2);
            a3 = Vector512.MultiplyAddEstimate(half.Widen(h1.AsInt32()), Vector512.LoadUnsafe(ref px, i + 48), a3);
        }
        for (; i + 32 <= n; i += 32)
        {
            var h = Vector512.LoadUnsafe(ref pw, i);
            largest = Vector512.Max(largest, h + h);
            a0 = Vector512.MultiplyAddEstimate(half.Widen(Vector512.ShiftLeft(h.AsInt32(), 16)), Vector512.LoadUnsafe(ref px, i), a0);
            a1 = Vector512.MultiplyAddEstimate(half.Widen(h.AsInt32()), Vector512.LoadUnsafe(ref px, i + 16), a1);
        }
        sum = 0;
        if (Vector512.GreaterThanOrEqualAny(largest, Vector512.Create(RebiasedHalf.InfOrNaNDoubled)))
            return false;
        sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        for (; i < n; i++)
            sum += HalfWidening.HalfToSingle(Unsafe.Add(ref pw, i)) * Unsafe.Add(ref px, i);
        return true;
    }

    /// <summary>
    /// The half in the top 16 bits of each lane (the low 16 ignored) as its exact f32, never a subnormal one: exponent
    /// and mantissa moved into f32's fields and rebased by an integer add of 112 to the exponent; a subnormal half
    /// (exponent 0) gets 113 instead and its implicit 1 taken off again as 2^−14, exactly. Infinities and NaN come out
    /// finite (callers check). <see cref="RebiasedHalf"/>'s cheaper 2^−112 shortcut turns subnormal halves (some 0.2 %
    /// of a model's weights) into f32 subnormals, which Intel cores multiply through a microcode assist: that had
    /// halved AVX-512 decoding there. The constants live in fields, created once before a loop: the JIT re-broadcast
    /// <c>Vector512.Create</c> constants in every iteration.
    /// </summary>
    private readonly struct ExactHalf512()
    {
        private readonly Vector512<int> _fields = Vector512.Create(0x0FFFE000);
        private readonly Vector512<int> _exponent = Vector512.Create(0x0F800000);
        private readonly Vector512<int> _rebase = Vector512.Create(112 << 23);
        private readonly Vector512<int> _rebaseSubnormal = Vector512.Create(113 << 23);
        private readonly Vector512<float> _implicitOne = Vector512.Create(1f / 16384);
        private readonly Vector512<int> _sign = Vector512.Create(int.MinValue);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Widen(Vector512<int> top)
        {
            var magnitude = Vector512.ShiftRightLogical(top, 3) & _fields;
            var subnormal = Vector512.Equals(magnitude & _exponent, Vector512<int>.Zero);
            var value = (magnitude + Vector512.ConditionalSelect(subnormal, _rebaseSubnormal, _rebase)).AsSingle()
                - Vector512.ConditionalSelect(subnormal.AsSingle(), _implicitOne, Vector512<float>.Zero);
            return (value.AsInt32() | (top & _sign)).AsSingle();
        }
    }
}
