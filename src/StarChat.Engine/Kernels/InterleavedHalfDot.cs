using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels;

/// <summary>
/// F16 weight rows · f32 activations for decoding on AVX2, with the activations put once per call in the order the
/// widened weights come out in. Widens with <see cref="RebiasedHalf"/>'s shortcut, under half the instructions of
/// <see cref="HalfWidening.Half256"/>, the activations carrying the 2^112. AVX-512 has its own: <see cref="HalfDot512"/>.
/// </summary>
/// <remarks>
/// Rows holding an infinity or NaN (exponent 31, which the widening does not express) are left to the exact path, and
/// activations of 2^15 or more: each row tracks its largest |half|, the activations are checked once.
/// </remarks>
internal static class InterleavedHalfDot
{
    /// <summary>True when this path runs here (AVX2).</summary>
    public static bool IsSupported => RebiasedHalf.IsSupported;

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
}
