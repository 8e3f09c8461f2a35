using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels;

/// <summary>
/// F16 weight rows · f32 activations for decoding on AVX-512, four rows at a time. .NET 10 has no f16 conversion
/// instruction, so each half is widened with five integer operations per 32 (<see cref="Widening.Widen"/>): its
/// exponent and mantissa moved into f32's fields and the exponent OR-ed with 224, which makes the f32 the half times
/// 2^112 — an infinity or NaN stays one, and no weight becomes an f32 subnormal (Intel cores multiply those through a
/// microcode assist). The sum is scaled back by 2^−112 at the end.
/// </summary>
/// <remarks>
/// A subnormal half (exponent 0, zeros included; ≈ 0.2 % of a trained model's weights) comes out with an implicit 1
/// it does not have, too large by s·(1024 − m)·2^−25; each row's sum is corrected, exactly, from its few subnormals.
/// The first pass over rows (<see cref="TryDot4"/>) finds them with a test per 32 halves and records them
/// (<see cref="HalfSubnormals"/>); later passes (<see cref="TryDot4Known"/>) read the recorded positions and gather
/// just those weights, with no test or branch in the loop. A row whose sum is not finite — an infinity or NaN among
/// its weights or activations, or a product beyond f32 once scaled by 2^112 (|w·x| ≥ 2^16) — is reported and left to
/// the exact path. Four rows share each activation load and keep four memory streams in flight.
/// </remarks>
internal static class HalfDot512
{
    /// <summary>True when this path runs here.</summary>
    public static bool IsSupported => Avx512BW.IsSupported;

    /// <summary>Rows per call.</summary>
    public const int Rows = 4;

    /// <summary>The longest row taken (positions are ushort; the first pass keeps its masks on the stack).</summary>
    public const int MaxLength = 32768;

    // Bytes ahead of the one being read that each row is fetched; near a row's end, the same offset in the next four
    // rows (without that they start cold: 20 % slower). F16 tg16 on StarCoderBase-1B shapes, 3 rounds alternating
    // with llama.cpp: 256 B 9.79, 512 B 10.71, 1 KiB 11.06, 2 KiB 10.77 t/s; none 8.76.
    private const int PrefetchBytes = 1024;

    // 2^−112, the widened weights' scale undone.
    private const float Unscale = 1.9259299e-34f;

    // 2^−25, the unit of a subnormal's excess.
    private const float ExcessUnit = 1f / (1 << 25);

    /// <summary>True when a row of <paramref name="length"/> halves can go through this path.</summary>
    public static bool Takes(int length) => length % 32 == 0 && length > 0 && length <= MaxLength;

    /// <summary>Words of subnormal mask per row of <paramref name="length"/> halves (one bit per half).</summary>
    public static int MaskWords(int length) => length / 32;

    /// <summary>
    /// The activations in the order <see cref="Widening.Widen"/> gives the weights in: of each 32, elements 0–3, 8–11,
    /// 16–19, 24–27 then 4–7, 12–15, 20–23, 28–31 (the unpack instructions interleave inside 128-bit lanes).
    /// </summary>
    public static void Order(ReadOnlySpan<float> x, Span<float> destination)
    {
        if (x.Length % 32 != 0 || destination.Length < x.Length)
            throw new ArgumentException("Order takes whole groups of 32 activations into a destination as long.");
        var low = Vector512.Create(0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
        var high = low + Vector512.Create(4);
        for (int i = 0; i < x.Length; i += 32)
        {
            var a = Vector512.Create(x.Slice(i, 16));
            var b = Vector512.Create(x.Slice(i + 16, 16));
            Avx512F.PermuteVar16x32x2(a, low, b).CopyTo(destination.Slice(i, 16));
            Avx512F.PermuteVar16x32x2(a, high, b).CopyTo(destination.Slice(i + 16, 16));
        }
    }

    /// <summary>
    /// First pass: <c>sums[r] = Σ w[r]·x</c> for the four rows of <paramref name="w"/> (each <paramref name="n"/>
    /// halves), with <paramref name="ordered"/> from <see cref="Order"/> and <paramref name="x"/> the activations in
    /// their own order; <paramref name="masks"/> receives, per row, <see cref="MaskWords"/> words with a bit set for
    /// each subnormal half. Returns a bit per row whose sum could not be formed (not finite); those sums are unset.
    /// </summary>
    public static unsafe int TryDot4(ReadOnlySpan<ushort> w, int n, ReadOnlySpan<float> ordered, ReadOnlySpan<float> x,
        Span<float> sums, Span<uint> masks)
    {
        Check(w, n, ordered, x, sums);
        int groups = MaskWords(n);
        if (masks.Length < Rows * groups)
            throw new ArgumentException("TryDot4 needs four rows of subnormal mask words.", nameof(masks));
        fixed (uint* m0 = masks)
        {
            uint* m1 = m0 + groups, m2 = m1 + groups, m3 = m2 + groups;
            ref ushort p0 = ref MemoryMarshal.GetReference(w);
            ref ushort p1 = ref Unsafe.Add(ref p0, n);
            ref ushort p2 = ref Unsafe.Add(ref p1, n);
            ref ushort p3 = ref Unsafe.Add(ref p2, n);
            ref float px = ref MemoryMarshal.GetReference(ordered);
            var widen = new Widening();
            Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default;
            Vector512<float> c0 = default, c1 = default, d0 = default, d1 = default;
            nuint length = (nuint)n;
            for (nuint i = 0, g = 0; i < length; i += 32, g++)
            {
                Prefetch(ref p0, ref p1, ref p2, ref p3, i, length);
                var x0 = Vector512.LoadUnsafe(ref px, i);
                var x1 = Vector512.LoadUnsafe(ref px, i + 16);

                var h = Vector512.LoadUnsafe(ref p0, i).AsInt16();
                m0[g] = widen.Subnormals(h);
                widen.Widen(h, out var low, out var high);
                a0 = Vector512.MultiplyAddEstimate(low, x0, a0);
                a1 = Vector512.MultiplyAddEstimate(high, x1, a1);

                h = Vector512.LoadUnsafe(ref p1, i).AsInt16();
                m1[g] = widen.Subnormals(h);
                widen.Widen(h, out low, out high);
                b0 = Vector512.MultiplyAddEstimate(low, x0, b0);
                b1 = Vector512.MultiplyAddEstimate(high, x1, b1);

                h = Vector512.LoadUnsafe(ref p2, i).AsInt16();
                m2[g] = widen.Subnormals(h);
                widen.Widen(h, out low, out high);
                c0 = Vector512.MultiplyAddEstimate(low, x0, c0);
                c1 = Vector512.MultiplyAddEstimate(high, x1, c1);

                h = Vector512.LoadUnsafe(ref p3, i).AsInt16();
                m3[g] = widen.Subnormals(h);
                widen.Widen(h, out low, out high);
                d0 = Vector512.MultiplyAddEstimate(low, x0, d0);
                d1 = Vector512.MultiplyAddEstimate(high, x1, d1);
            }
            // All four sums before the corrections: accumulators live across a call get spilled inside the loop.
            float s0 = Vector512.Sum(a0 + a1), s1 = Vector512.Sum(b0 + b1), s2 = Vector512.Sum(c0 + c1), s3 = Vector512.Sum(d0 + d1);
            int failed = 0;
            failed |= Finish(s0, ref p0, m0, groups, x, ref sums[0]) ? 0 : 1;
            failed |= Finish(s1, ref p1, m1, groups, x, ref sums[1]) ? 0 : 2;
            failed |= Finish(s2, ref p2, m2, groups, x, ref sums[2]) ? 0 : 4;
            failed |= Finish(s3, ref p3, m3, groups, x, ref sums[3]) ? 0 : 8;
            return failed;
        }
    }

    /// <summary>
    /// Later passes: as <see cref="TryDot4"/>, the four rows' subnormal positions given as
    /// <paramref name="positions"/> and <paramref name="first"/> (their segment and the first row's place in it,
    /// from <see cref="HalfSubnormals"/>) instead of found.
    /// </summary>
    public static unsafe int TryDot4Known(ReadOnlySpan<ushort> w, int n, ReadOnlySpan<float> ordered, ReadOnlySpan<float> x,
        Span<float> sums, ushort[] positions, int first)
    {
        Check(w, n, ordered, x, sums);
        ref ushort p0 = ref MemoryMarshal.GetReference(w);
        ref ushort p1 = ref Unsafe.Add(ref p0, n);
        ref ushort p2 = ref Unsafe.Add(ref p1, n);
        ref ushort p3 = ref Unsafe.Add(ref p2, n);
        ref float px = ref MemoryMarshal.GetReference(ordered);
        var widen = new Widening();
        Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default;
        Vector512<float> c0 = default, c1 = default, d0 = default, d1 = default;
        nuint length = (nuint)n;
        for (nuint i = 0; i < length; i += 32)
        {
            Prefetch(ref p0, ref p1, ref p2, ref p3, i, length);
            var x0 = Vector512.LoadUnsafe(ref px, i);
            var x1 = Vector512.LoadUnsafe(ref px, i + 16);
            widen.Widen(Vector512.LoadUnsafe(ref p0, i).AsInt16(), out var low, out var high);
            a0 = Vector512.MultiplyAddEstimate(low, x0, a0);
            a1 = Vector512.MultiplyAddEstimate(high, x1, a1);
            widen.Widen(Vector512.LoadUnsafe(ref p1, i).AsInt16(), out low, out high);
            b0 = Vector512.MultiplyAddEstimate(low, x0, b0);
            b1 = Vector512.MultiplyAddEstimate(high, x1, b1);
            widen.Widen(Vector512.LoadUnsafe(ref p2, i).AsInt16(), out low, out high);
            c0 = Vector512.MultiplyAddEstimate(low, x0, c0);
            c1 = Vector512.MultiplyAddEstimate(high, x1, c1);
            widen.Widen(Vector512.LoadUnsafe(ref p3, i).AsInt16(), out low, out high);
            d0 = Vector512.MultiplyAddEstimate(low, x0, d0);
            d1 = Vector512.MultiplyAddEstimate(high, x1, d1);
        }
        float s0 = Vector512.Sum(a0 + a1), s1 = Vector512.Sum(b0 + b1), s2 = Vector512.Sum(c0 + c1), s3 = Vector512.Sum(d0 + d1);
        int failed = 0;
        failed |= FinishKnown(s0, ref p0, HalfSubnormals.Row(positions, first), x, ref sums[0]) ? 0 : 1;
        failed |= FinishKnown(s1, ref p1, HalfSubnormals.Row(positions, first + 1), x, ref sums[1]) ? 0 : 2;
        failed |= FinishKnown(s2, ref p2, HalfSubnormals.Row(positions, first + 2), x, ref sums[2]) ? 0 : 4;
        failed |= FinishKnown(s3, ref p3, HalfSubnormals.Row(positions, first + 3), x, ref sums[3]) ? 0 : 8;
        return failed;
    }

    private static void Check(ReadOnlySpan<ushort> w, int n, ReadOnlySpan<float> ordered, ReadOnlySpan<float> x, Span<float> sums)
    {
        if (!Takes(n) || w.Length < Rows * n || ordered.Length < n || x.Length < n || sums.Length < Rows)
            throw new ArgumentException("HalfDot512 takes four rows of a length Takes accepts, with activations and sums to match.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(ref ushort p0, ref ushort p1, ref ushort p2, ref ushort p3, nuint i, nuint length)
    {
        const nuint ahead = PrefetchBytes / sizeof(ushort);
        nuint fetch = i + ahead < length ? i + ahead : i + ahead + 3 * length;
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p0, fetch)));
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p1, fetch)));
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p2, fetch)));
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p3, fetch)));
    }

    // The first pass's correction, from the masks. Groups holding a subnormal are few (≈ 7 % at 0.2 %): they are
    // found sixteen mask words at a time rather than by a branch on each.
    private static unsafe bool Finish(float scaled, ref ushort row, uint* masks, int groups, ReadOnlySpan<float> x, ref float sum)
    {
        if (!float.IsFinite(scaled))
            return false;
        float correction = 0;
        int start = 0;
        for (; start + 16 <= groups; start += 16)
        {
            for (uint found = (uint)Vector512.GreaterThan(Vector512.Load(masks + start), Vector512<uint>.Zero).ExtractMostSignificantBits(); found != 0; found &= found - 1)
                correction += GroupExcess(ref row, start + BitOperations.TrailingZeroCount(found), masks, x);
        }
        for (; start < groups; start++)
            correction += GroupExcess(ref row, start, masks, x);
        sum = scaled * Unscale - correction * ExcessUnit;
        return true;
    }

    private static unsafe float GroupExcess(ref ushort row, int group, uint* masks, ReadOnlySpan<float> x)
    {
        float excess = 0;
        for (uint m = masks[group]; m != 0; m &= m - 1)
        {
            int index = group * 32 + BitOperations.TrailingZeroCount(m);
            excess += Excess(Unsafe.Add(ref row, index)) * x[index];
        }
        return excess;
    }

    // A subnormal half s·m·2^−24 widens to s·2^−15·(1 + m/1024): too large by s·(1024 − m)·2^−25 (exact in f32).
    private static float Excess(ushort half)
    {
        int excess = 1024 - (half & 0x3FF);
        return (half & 0x8000) != 0 ? -excess : excess;
    }

    // The later passes' correction: the row's subnormal weights and their activations gathered eight at a time
    // (.NET 10 exposes AVX2's gathers, not AVX-512's); the positions are padded with zeros, and lanes past the row's
    // count are dropped.
    private static unsafe bool FinishKnown(float scaled, ref ushort row, ReadOnlySpan<ushort> positions, ReadOnlySpan<float> x, ref float sum)
    {
        if (!float.IsFinite(scaled))
            return false;
        var correction = Vector256<float>.Zero;
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var mantissa = Vector256.Create(0x3FF);
        var sign = Vector256.Create(int.MinValue);
        fixed (ushort* p = positions)
        fixed (float* px = x)
        {
            int* pairs = (int*)Unsafe.AsPointer(ref row);
            for (int start = 0; start < positions.Length; start += 8)
            {
                var index = Vector256.WidenLower(Vector256.Create(Vector128.Load(p + start), Vector128<ushort>.Zero)).AsInt32();
                var weights = Avx2.GatherVector256(px, index, sizeof(float));
                // The 32-bit word holding the half, then the half shifted down out of it.
                var word = Avx2.GatherVector256(pairs, Vector256.ShiftRightLogical(index, 1), sizeof(int));
                var half = Avx2.ShiftRightLogicalVariable(word, ((index & Vector256<int>.One) << 4).AsUInt32());
                var excess = Vector256.ConvertToSingle(Vector256.Create(1024) - (half & mantissa));
                var signed = (excess.AsInt32() | ((half << 16) & sign)).AsSingle();
                var taken = Vector256.LessThan(lane, Vector256.Create(positions.Length - start));
                correction += Vector256.ConditionalSelect(taken.AsSingle(), signed * weights, Vector256<float>.Zero);
            }
        }
        sum = scaled * Unscale - Vector256.Sum(correction) * ExcessUnit;
        return true;
    }

    /// <summary>The widening's constants, created once before a loop (the JIT re-broadcasts <c>Vector512.Create</c>
    /// constants inside one).</summary>
    private readonly struct Widening()
    {
        private readonly Vector512<short> _signExponentMantissa = Vector512.Create(unchecked((short)0x8FFF));
        private readonly Vector512<short> _rebase = Vector512.Create((short)(224 << 7));
        private readonly Vector512<short> _exponent = Vector512.Create((short)0x7C00);

        /// <summary>A bit per half (in memory order) whose exponent is 0: subnormals and zeros.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public uint Subnormals(Vector512<short> h)
            => (uint)Vector512.Equals(h & _exponent, Vector512<short>.Zero).ExtractMostSignificantBits();

        /// <summary>
        /// 32 halves as 32 f32 of their value·2^112, in two vectors ordered as <see cref="Order"/> says. Per 32-bit
        /// lane the top 16 bits are the sign, the exponent + 224 (an OR: 224 leaves the exponent's five bits free) and
        /// the mantissa's top seven bits (an arithmetic shift by 3 copies the sign over the bits masked out); the low
        /// 16 bits hold the mantissa's last three.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Widen(Vector512<short> h, out Vector512<float> low, out Vector512<float> high)
        {
            // (A & B) | C
            var top = Avx512F.TernaryLogic(Vector512.ShiftRightArithmetic(h, 3), _signExponentMantissa, _rebase, 0xEA);
            var bottom = Vector512.ShiftLeft(h, 13);
            low = Avx512BW.UnpackLow(bottom, top).AsSingle();
            high = Avx512BW.UnpackHigh(bottom, top).AsSingle();
        }
    }
}
