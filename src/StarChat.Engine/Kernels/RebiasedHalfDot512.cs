using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels;

/// <summary>
/// F16 weight rows · f32 activations for decoding on AVX-512 CPUs that multiply f32 subnormals at full speed
/// (<see cref="SubnormalOperands"/>), four rows at a time. Each 512-bit load of 32 halves is widened by
/// <see cref="RebiasedHalf"/>'s shortcut — shifts and a mask put both halves of each 32-bit lane in f32's fields,
/// giving the weight times 2^−112 — against activations that carry the 2^112. Every product is then exactly the
/// product of the exact widening, subnormal halves included (they become f32 subnormals, which is why Intel CPUs take
/// <see cref="HalfDot512"/> instead), so no row needs a correction afterwards.
/// </summary>
/// <remarks>
/// The shortcut keeps no infinity or NaN (exponent 31 comes out finite), so the loop tracks the four rows' largest
/// |half| and refuses them all when one holds such a weight; activations of 2^15 or more (which overflow once scaled)
/// are refused when prepared. The exact path takes what is refused. On a 2-core Zen 5, F16 tg32 on StarCoderBase-1B
/// shapes against llama.cpp in the same rounds (6, alternating): median per-round ratio 1.09, against 0.99 for
/// HalfDot512, whose subnormal corrections this path does without.
/// </remarks>
internal static class RebiasedHalfDot512
{
    /// <summary>True when this path runs here.</summary>
    public static bool IsSupported => Avx512BW.IsSupported;

    /// <summary>Rows per call.</summary>
    public const int Rows = 4;

    /// <summary>True when a row of <paramref name="length"/> halves can go through this path.</summary>
    public static bool Takes(int length) => length % 32 == 0 && length > 0;

    /// <summary>
    /// Writes <paramref name="x"/>·2^112 in the order the widened weights come out in: of each 32, the even elements,
    /// then the odd ones. False when some |x| ≥ 2^15 (or is NaN): then use the exact path.
    /// </summary>
    public static bool TryPrepare(ReadOnlySpan<float> x, Span<float> destination)
    {
        if (!Takes(x.Length) || destination.Length < x.Length)
            throw new ArgumentException("TryPrepare takes whole groups of 32 activations into a destination as long.");
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odd = even + Vector512<int>.One;
        var rebias = Vector512.Create(RebiasedHalf.Rebias);
        var largest = Vector512<float>.Zero;
        for (int i = 0; i < x.Length; i += 32)
        {
            var a = Vector512.Create(x.Slice(i, 16));
            var b = Vector512.Create(x.Slice(i + 16, 16));
            largest = Vector512.Max(largest, Vector512.Max(Vector512.Abs(a), Vector512.Abs(b)));
            (Avx512F.PermuteVar16x32x2(a, even, b) * rebias).CopyTo(destination.Slice(i, 16));
            (Avx512F.PermuteVar16x32x2(a, odd, b) * rebias).CopyTo(destination.Slice(i + 16, 16));
        }
        // Written as "all below" so that a NaN also fails.
        return Vector512.LessThanAll(largest, Vector512.Create(RebiasedHalf.LargestActivation));
    }

    /// <summary>
    /// The four rows of <paramref name="w"/> (each <paramref name="n"/> halves) dotted with <paramref name="prepared"/>
    /// (from <see cref="TryPrepare"/>) into <paramref name="sums"/>; false when one of the rows holds an infinity or
    /// NaN (the sums are then unspecified).
    /// </summary>
    public static bool TryDot4(ReadOnlySpan<ushort> w, int n, ReadOnlySpan<float> prepared, Span<float> sums)
    {
        if (!Takes(n) || w.Length < Rows * n || prepared.Length < n || sums.Length < Rows)
            throw new ArgumentException("TryDot4 takes four rows of a length Takes accepts, with activations and sums to match.");
        ref ushort p0 = ref MemoryMarshal.GetReference(w);
        ref ushort p1 = ref Unsafe.Add(ref p0, n);
        ref ushort p2 = ref Unsafe.Add(ref p1, n);
        ref ushort p3 = ref Unsafe.Add(ref p2, n);
        ref float px = ref MemoryMarshal.GetReference(prepared);
        var mask = RebiasedHalf.Mask512;
        Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default;
        Vector512<float> c0 = default, c1 = default, d0 = default, d1 = default;
        Vector512<ushort> largest = default;
        nuint length = (nuint)n;
        for (nuint i = 0; i < length; i += 32)
        {
            HalfDot512.Prefetch(ref p0, ref p1, ref p2, ref p3, i, length);
            var x0 = Vector512.LoadUnsafe(ref px, i);
            var x1 = Vector512.LoadUnsafe(ref px, i + 16);

            var h = Vector512.LoadUnsafe(ref p0, i);
            largest = Vector512.Max(largest, h + h);        // |h|·2: the sign shifted out
            var (even, odd) = RebiasedHalf.Pairs512(h.AsInt32(), mask);
            a0 = Vector512.MultiplyAddEstimate(even, x0, a0);
            a1 = Vector512.MultiplyAddEstimate(odd, x1, a1);

            h = Vector512.LoadUnsafe(ref p1, i);
            largest = Vector512.Max(largest, h + h);
            (even, odd) = RebiasedHalf.Pairs512(h.AsInt32(), mask);
            b0 = Vector512.MultiplyAddEstimate(even, x0, b0);
            b1 = Vector512.MultiplyAddEstimate(odd, x1, b1);

            h = Vector512.LoadUnsafe(ref p2, i);
            largest = Vector512.Max(largest, h + h);
            (even, odd) = RebiasedHalf.Pairs512(h.AsInt32(), mask);
            c0 = Vector512.MultiplyAddEstimate(even, x0, c0);
            c1 = Vector512.MultiplyAddEstimate(odd, x1, c1);

            h = Vector512.LoadUnsafe(ref p3, i);
            largest = Vector512.Max(largest, h + h);
            (even, odd) = RebiasedHalf.Pairs512(h.AsInt32(), mask);
            d0 = Vector512.MultiplyAddEstimate(even, x0, d0);
            d1 = Vector512.MultiplyAddEstimate(odd, x1, d1);
        }
        if (Vector512.GreaterThanOrEqualAny(largest, Vector512.Create(RebiasedHalf.InfOrNaNDoubled)))
            return false;
        sums[0] = Vector512.Sum(a0 + a1);
        sums[1] = Vector512.Sum(b0 + b1);
        sums[2] = Vector512.Sum(c0 + c1);
        sums[3] = Vector512.Sum(d0 + d1);
        return true;
    }
}
