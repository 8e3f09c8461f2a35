using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels;

public static partial class VectorMath
{
    /// <summary>Σ w[i]·x[i] with f16 <paramref name="w"/> widened on the fly (one F16 weight row times an activation).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static float DotHalf(ReadOnlySpan<Half> w, ReadOnlySpan<float> x)
    {
        KernelGuard.SameLength(w.Length, x.Length, nameof(x));
        return DotHalf(KernelSelection.Current, MemoryMarshal.Cast<Half, ushort>(w), x);
    }

    /// <summary>Σ w[i]·x[i] with bf16 <paramref name="w"/> (bit patterns) widened on the fly.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static float DotBFloat16(ReadOnlySpan<ushort> w, ReadOnlySpan<float> x)
    {
        KernelGuard.SameLength(w.Length, x.Length, nameof(x));
        return DotBFloat16(KernelSelection.Current, w, x);
    }

    internal static float DotHalf(KernelPath path, ReadOnlySpan<ushort> w, ReadOnlySpan<float> x)
    {
        ref ushort pw = ref MemoryMarshal.GetReference(w);
        ref float px = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)w.Length, i = 0;
        float sum = 0;
        if (path == KernelPath.Vector512)
        {
            var half = new HalfWidening.Half512();
            Vector512<float> a0 = default, a1 = default;
            for (; i + 32 <= n; i += 32)
            {
                a0 = Vector512.MultiplyAddEstimate(half.Widen(HalfWidening.Load16(ref pw, i)), Vector512.LoadUnsafe(ref px, i), a0);
                a1 = Vector512.MultiplyAddEstimate(half.Widen(HalfWidening.Load16(ref pw, i + 16)), Vector512.LoadUnsafe(ref px, i + 16), a1);
            }
            for (; i + 16 <= n; i += 16)
                a0 = Vector512.MultiplyAddEstimate(half.Widen(HalfWidening.Load16(ref pw, i)), Vector512.LoadUnsafe(ref px, i), a0);
            sum = Vector512.Sum(a0 + a1);
        }
        else if (path == KernelPath.Vector256)
        {
            var half = new HalfWidening.Half256();
            Vector256<float> a0 = default, a1 = default;
            for (; i + 16 <= n; i += 16)
            {
                a0 = Vector256.MultiplyAddEstimate(half.Widen(HalfWidening.Load8(ref pw, i)), Vector256.LoadUnsafe(ref px, i), a0);
                a1 = Vector256.MultiplyAddEstimate(half.Widen(HalfWidening.Load8(ref pw, i + 8)), Vector256.LoadUnsafe(ref px, i + 8), a1);
            }
            for (; i + 8 <= n; i += 8)
                a0 = Vector256.MultiplyAddEstimate(half.Widen(HalfWidening.Load8(ref pw, i)), Vector256.LoadUnsafe(ref px, i), a0);
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++)
            sum += HalfWidening.HalfToSingle(Unsafe.Add(ref pw, i)) * Unsafe.Add(ref px, i);
        return sum;
    }

    internal static unsafe float DotBFloat16(KernelPath path, ReadOnlySpan<ushort> w, ReadOnlySpan<float> x)
    {
        ref ushort pw = ref MemoryMarshal.GetReference(w);
        ref float px = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)w.Length, i = 0;
        float sum = 0;
        if (path == KernelPath.Vector512)
        {
            Vector512<float> a0 = default, a1 = default;
            for (; i + 32 <= n; i += 32)
            {
                a0 = Vector512.MultiplyAddEstimate(HalfWidening.BFloat16ToSingle(HalfWidening.Load16(ref pw, i)), Vector512.LoadUnsafe(ref px, i), a0);
                a1 = Vector512.MultiplyAddEstimate(HalfWidening.BFloat16ToSingle(HalfWidening.Load16(ref pw, i + 16)), Vector512.LoadUnsafe(ref px, i + 16), a1);
            }
            for (; i + 16 <= n; i += 16)
                a0 = Vector512.MultiplyAddEstimate(HalfWidening.BFloat16ToSingle(HalfWidening.Load16(ref pw, i)), Vector512.LoadUnsafe(ref px, i), a0);
            sum = Vector512.Sum(a0 + a1);
        }
        else if (path == KernelPath.Vector256)
        {
            Vector256<float> a0 = default, a1 = default;
            for (; i + 32 <= n; i += 32)
            {
                // Decoding streams the rows: one line per step, fetched DecodePrefetch.Distance bytes ahead.
                if (Sse.IsSupported)
                    Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref pw, i + DecodePrefetch.Distance / sizeof(ushort))));
                a0 = Vector256.MultiplyAddEstimate(HalfWidening.BFloat16ToSingle(HalfWidening.Load8(ref pw, i)), Vector256.LoadUnsafe(ref px, i), a0);
                a1 = Vector256.MultiplyAddEstimate(HalfWidening.BFloat16ToSingle(HalfWidening.Load8(ref pw, i + 8)), Vector256.LoadUnsafe(ref px, i + 8), a1);
                a0 = Vector256.MultiplyAddEstimate(HalfWidening.BFloat16ToSingle(HalfWidening.Load8(ref pw, i + 16)), Vector256.LoadUnsafe(ref px, i + 16), a0);
                a1 = Vector256.MultiplyAddEstimate(HalfWidening.BFloat16ToSingle(HalfWidening.Load8(ref pw, i + 24)), Vector256.LoadUnsafe(ref px, i + 24), a1);
            }
            for (; i + 16 <= n; i += 16)
            {
                a0 = Vector256.MultiplyAddEstimate(HalfWidening.BFloat16ToSingle(HalfWidening.Load8(ref pw, i)), Vector256.LoadUnsafe(ref px, i), a0);
                a1 = Vector256.MultiplyAddEstimate(HalfWidening.BFloat16ToSingle(HalfWidening.Load8(ref pw, i + 8)), Vector256.LoadUnsafe(ref px, i + 8), a1);
            }
            for (; i + 8 <= n; i += 8)
                a0 = Vector256.MultiplyAddEstimate(HalfWidening.BFloat16ToSingle(HalfWidening.Load8(ref pw, i)), Vector256.LoadUnsafe(ref px, i), a0);
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++)
            sum += HalfWidening.BFloat16ToSingle(Unsafe.Add(ref pw, i)) * Unsafe.Add(ref px, i);
        return sum;
    }
}
