using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels;

/// <summary>
/// F16 weight rows · f32 activations for decoding on AVX-512 CPUs that multiply f32 subnormals slowly (Intel's; AMD's
/// take <see cref="RebiasedHalfDot512"/>), four rows at a time. .NET 10 has no f16 conversion
/// instruction, so each half is widened with five integer operations per 32 (<see cref="Widening.Widen"/>): its
/// exponent and mantissa moved into f32's fields and the exponent OR-ed with 224, which makes the f32 the half times
/// 2^112 — an infinity or NaN stays one, and no weight becomes an f32 subnormal (Intel cores multiply those through a
/// microcode assist). The sum is scaled back by 2^−112 at the end.
/// </summary>
/// <remarks>
/// A subnormal half (exponent 0, zeros included; ≈ 0.2 % of a trained model's weights) comes out with an implicit 1
/// it does not have, too large by s·(1024 − m)·2^−25; each row's sum is corrected, exactly, from its few subnormals
/// (<c>TryFinish</c>). The first pass over rows finds them with a test per 32 halves, and the caller records them
/// (<see cref="HalfSubnormals"/>); later passes read the recorded positions and gather just those weights, with no
/// test or branch in the loop. A row whose sum is not finite — an infinity or NaN among its weights or activations, or
/// a product beyond f32 once scaled by 2^112 (|w·x| ≥ 2^16) — is refused and left to the exact path. Four rows share
/// each activation load and keep four memory streams in flight.
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
    private const float Unscale = 1f / (1L << 56) / (1L << 56);

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
    /// First pass: the four rows of <paramref name="w"/> (each <paramref name="n"/> halves) times 2^112 dotted with
    /// <paramref name="ordered"/> (from <see cref="Order"/>) into <paramref name="scaled"/>, and in
    /// <paramref name="masks"/>, per row, <see cref="MaskWords"/> words with a bit set for each subnormal half.
    /// <see cref="TryFinish(float, ReadOnlySpan{ushort}, ReadOnlySpan{ushort}, ReadOnlySpan{float}, out float)"/>
    /// turns a scaled sum into the row's.
    /// </summary>
    public static unsafe void Dot4(ReadOnlySpan<ushort> w, int n, ReadOnlySpan<float> ordered, Span<float> scaled, Span<uint> masks)
    {
        int groups = MaskWords(n);
        if (masks.Length < Rows * groups)
            throw new ArgumentException("Dot4 needs four rows of subnormal mask words.", nameof(masks));
        fixed (uint* m = masks)
        {
            Dot4(w, n, ordered, scaled, new MarkSubnormals(m, groups));
        }
    }

    /// <summary>
    /// Later passes: as the first, without looking for subnormals (their positions are known:
    /// <see cref="HalfSubnormals"/>).
    /// </summary>
    public static void Dot4(ReadOnlySpan<ushort> w, int n, ReadOnlySpan<float> ordered, Span<float> scaled)
        => Dot4(w, n, ordered, scaled, new IgnoreSubnormals());

    // One loop for both passes, compiled once per kind of TMarks (a struct, passed by value so that its fields stay
    // in registers: the later pass's marks compile away).
    private static void Dot4<TMarks>(ReadOnlySpan<ushort> w, int n, ReadOnlySpan<float> ordered, Span<float> scaled, TMarks marks)
        where TMarks : struct, ISubnormalMarks
    {
        Check(w, n, ordered, scaled);
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
            marks.Mark(0, g, h, widen);
            widen.Widen(h, out var low, out var high);
            a0 = Vector512.MultiplyAddEstimate(low, x0, a0);
            a1 = Vector512.MultiplyAddEstimate(high, x1, a1);

            h = Vector512.LoadUnsafe(ref p1, i).AsInt16();
            marks.Mark(1, g, h, widen);
            widen.Widen(h, out low, out high);
            b0 = Vector512.MultiplyAddEstimate(low, x0, b0);
            b1 = Vector512.MultiplyAddEstimate(high, x1, b1);

            h = Vector512.LoadUnsafe(ref p2, i).AsInt16();
            marks.Mark(2, g, h, widen);
            widen.Widen(h, out low, out high);
            c0 = Vector512.MultiplyAddEstimate(low, x0, c0);
            c1 = Vector512.MultiplyAddEstimate(high, x1, c1);

            h = Vector512.LoadUnsafe(ref p3, i).AsInt16();
            marks.Mark(3, g, h, widen);
            widen.Widen(h, out low, out high);
            d0 = Vector512.MultiplyAddEstimate(low, x0, d0);
            d1 = Vector512.MultiplyAddEstimate(high, x1, d1);
        }
        scaled[0] = Vector512.Sum(a0 + a1);
        scaled[1] = Vector512.Sum(b0 + b1);
        scaled[2] = Vector512.Sum(c0 + c1);
        scaled[3] = Vector512.Sum(d0 + d1);
    }

    private interface ISubnormalMarks
    {
        void Mark(int row, nuint group, Vector512<short> halves, Widening widen);
    }

    // The first pass: a mask word per row and group of 32.
    private readonly unsafe struct MarkSubnormals(uint* masks, int groups) : ISubnormalMarks
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Mark(int row, nuint group, Vector512<short> halves, Widening widen)
            => masks[(nuint)(row * groups) + group] = widen.Subnormals(halves);
    }

    private readonly struct IgnoreSubnormals : ISubnormalMarks
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Mark(int row, nuint group, Vector512<short> halves, Widening widen) { }
    }

    private static void Check(ReadOnlySpan<ushort> w, int n, ReadOnlySpan<float> ordered, Span<float> scaled)
    {
        if (!Takes(n) || w.Length < Rows * n || ordered.Length < n || scaled.Length < Rows)
            throw new ArgumentException("HalfDot512 takes four rows of a length Takes accepts, with activations and sums to match.");
    }

    /// <summary>Fetches each of four rows <see cref="PrefetchBytes"/> ahead of half <paramref name="i"/> (shared with
    /// <see cref="RebiasedHalfDot512"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Prefetch(ref ushort p0, ref ushort p1, ref ushort p2, ref ushort p3, nuint i, nuint length)
    {
        const nuint ahead = PrefetchBytes / sizeof(ushort);
        nuint fetch = i + ahead < length ? i + ahead : i + ahead + 3 * length;
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p0, fetch)));
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p1, fetch)));
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p2, fetch)));
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref p3, fetch)));
    }

    /// <summary>
    /// A row's sum from its scaled one and the positions of its subnormal halves (<see cref="HalfSubnormals.Row"/>:
    /// eight readable ushorts must follow them); false when the scaled sum is not finite (the exact path takes the
    /// row). The subnormal weights and their activations are gathered eight at a time (.NET 10 exposes AVX2's
    /// gathers, not AVX-512's), lanes past the row's count dropped.
    /// </summary>
    public static unsafe bool TryFinish(float scaled, ReadOnlySpan<ushort> row, ReadOnlySpan<ushort> positions, ReadOnlySpan<float> x, out float sum)
    {
        sum = 0;
        if (!float.IsFinite(scaled))
            return false;
        var correction = Vector256<float>.Zero;
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var mantissa = Vector256.Create(0x3FF);
        var sign = Vector256.Create(int.MinValue);
        fixed (ushort* p = positions)
        fixed (ushort* pr = row)
        fixed (float* px = x)
        {
            int* pairs = (int*)pr;
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
