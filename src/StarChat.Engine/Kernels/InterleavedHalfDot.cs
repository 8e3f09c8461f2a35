using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels;

/// <summary>
/// F16 weight rows · f32 activations for decoding on AVX2 and AVX-512, at under half the instructions of
/// <see cref="HalfWidening.Half256"/>: the weights are widened with <see cref="RebiasedHalf"/>'s shortcut, the
/// activations carry the 2^112 (scaled once per call) and are put in the order the widened weights come out in —
/// an order that depends on the vector width, so each width has its own prepare and dot.
/// </summary>
/// <remarks>
/// Rows holding an infinity or NaN (exponent 31, which this widening cannot express) and activations of 2^15 or more
/// are left to the exact path: each row tracks its largest |half|, the activations are checked once.
/// </remarks>
internal static class InterleavedHalfDot
{
    /// <summary>True when this path runs here (AVX2).</summary>
    public static bool IsSupported => RebiasedHalf.IsSupported;

    /// <summary>True when the AVX-512 width runs here (<see cref="TryPrepare512"/>, <see cref="TryDot512"/>).</summary>
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
    /// <see cref="TryPrepare"/> for <see cref="TryDot512"/>: in each group of 32, x{0–3, 8–11, 16–19, 24–27}·2^112
    /// then x{4–7, 12–15, 20–23, 28–31}·2^112 (a tail of fewer than 32 stays in place, unscaled).
    /// </summary>
    public static bool TryPrepare512(ReadOnlySpan<float> x, Span<float> destination)
    {
        var largest = Vector512<float>.Zero;
        var rebias = Vector512.Create(RebiasedHalf.Rebias);
        // Even elements of the 32, then odd: the order Pairs512 widens a vector of 32 halves in.
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odds = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        int i = 0;
        for (; i + 32 <= x.Length; i += 32)
        {
            var a = Vector512.Create(x.Slice(i, 16));
            var b = Vector512.Create(x.Slice(i + 16, 16));
            largest = Vector512.Max(largest, Vector512.Max(Vector512.Abs(a), Vector512.Abs(b)));
            (Avx512F.PermuteVar16x32x2(a, evens, b) * rebias).CopyTo(destination.Slice(i, 16));
            (Avx512F.PermuteVar16x32x2(a, odds, b) * rebias).CopyTo(destination.Slice(i + 16, 16));
        }
        x[i..].CopyTo(destination[i..]);
        return Vector512.LessThanAll(largest, Vector512.Create(RebiasedHalf.LargestActivation));
    }

    /// <summary><see cref="TryDot"/> on AVX-512, with activations from <see cref="TryPrepare512"/>.</summary>
    public static unsafe bool TryDot512(ReadOnlySpan<ushort> w, ReadOnlySpan<float> prepared, out float sum)
    {
        ref ushort pw = ref MemoryMarshal.GetReference(w);
        ref float px = ref MemoryMarshal.GetReference(prepared);
        nuint n = (nuint)w.Length, i = 0;
        var mask = RebiasedHalf.Mask512;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<ushort> largest = default;
        for (; i + 64 <= n; i += 64)
        {
            // Both lines of this step, DecodePrefetch.Distance bytes ahead (without: 30 % slower on AVX-512).
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref pw, i + DecodePrefetch.Distance / sizeof(ushort))));
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref pw, i + 32 + DecodePrefetch.Distance / sizeof(ushort))));
            var h0 = Vector512.LoadUnsafe(ref pw, i);
            var h1 = Vector512.LoadUnsafe(ref pw, i + 32);
            largest = Vector512.Max(largest, Vector512.Max(h0 + h0, h1 + h1));
            var (e0, o0) = RebiasedHalf.Pairs512(h0.AsInt32(), mask);
            var (e1, o1) = RebiasedHalf.Pairs512(h1.AsInt32(), mask);
            a0 = Vector512.MultiplyAddEstimate(e0, Vector512.LoadUnsafe(ref px, i), a0);
            a1 = Vector512.MultiplyAddEstimate(o0, Vector512.LoadUnsafe(ref px, i + 16), a1);
            a2 = Vector512.MultiplyAddEstimate(e1, Vector512.LoadUnsafe(ref px, i + 32), a2);
            a3 = Vector512.MultiplyAddEstimate(o1, Vector512.LoadUnsafe(ref px, i + 48), a3);
        }
        for (; i + 32 <= n; i += 32)
        {
            var h = Vector512.LoadUnsafe(ref pw, i);
            largest = Vector512.Max(largest, h + h);
            var (e, o) = RebiasedHalf.Pairs512(h.AsInt32(), mask);
            a0 = Vector512.MultiplyAddEstimate(e, Vector512.LoadUnsafe(ref px, i), a0);
            a1 = Vector512.MultiplyAddEstimate(o, Vector512.LoadUnsafe(ref px, i + 16), a1);
        }
        sum = 0;
        if (Vector512.GreaterThanOrEqualAny(largest, Vector512.Create(RebiasedHalf.InfOrNaNDoubled)))
            return false;
        sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        for (; i < n; i++)
            sum += HalfWidening.HalfToSingle(Unsafe.Add(ref pw, i)) * Unsafe.Add(ref px, i);
        return true;
    }
}
