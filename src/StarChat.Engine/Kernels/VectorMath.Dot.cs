using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Float vector kernels for the forward pass. Each public method validates its arguments once and dispatches to the
/// rung chosen by <see cref="KernelSelection"/>; the scalar rung is the reference and the vector rungs are tested
/// against it. Vector rungs sum in a different order, so results can differ from the scalar rung in the last bits.
/// </summary>
public static partial class VectorMath
{
    /// <summary>Σ x[i]·y[i].</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.SameLength(x.Length, y.Length, nameof(y));
        return Dot(KernelSelection.Current, x, y);
    }

    internal static float Dot(KernelPath path, ReadOnlySpan<float> x, ReadOnlySpan<float> y) => path switch
    {
        KernelPath.Vector512 => Dot512(x, y),
        KernelPath.Vector256 => Dot256(x, y),
        _ => DotScalar(x, y),
    };

    internal static float DotScalar(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
            sum += x[i] * y[i];
        return sum;
    }

    internal static float Dot256(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, i = 0;
        // Four accumulators hide the FMA latency (4 cycles) behind independent chains.
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (; i + 32 <= n; i += 32)
        {
            a0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref px, i), Vector256.LoadUnsafe(ref py, i), a0);
            a1 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref px, i + 8), Vector256.LoadUnsafe(ref py, i + 8), a1);
            a2 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref px, i + 16), Vector256.LoadUnsafe(ref py, i + 16), a2);
            a3 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref px, i + 24), Vector256.LoadUnsafe(ref py, i + 24), a3);
        }
        for (; i + 8 <= n; i += 8)
            a0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref px, i), Vector256.LoadUnsafe(ref py, i), a0);
        float sum = Vector256.Sum((a0 + a1) + (a2 + a3));
        return sum + DotTail(ref px, ref py, i, n);
    }

    internal static float Dot512(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, i = 0;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (; i + 64 <= n; i += 64)
        {
            a0 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref px, i), Vector512.LoadUnsafe(ref py, i), a0);
            a1 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref px, i + 16), Vector512.LoadUnsafe(ref py, i + 16), a1);
            a2 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref px, i + 32), Vector512.LoadUnsafe(ref py, i + 32), a2);
            a3 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref px, i + 48), Vector512.LoadUnsafe(ref py, i + 48), a3);
        }
        for (; i + 16 <= n; i += 16)
            a0 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref px, i), Vector512.LoadUnsafe(ref py, i), a0);
        float sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        return sum + DotTail(ref px, ref py, i, n);
    }

    // The last few elements, summed in the same order as the scalar reference.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotTail(ref float px, ref float py, nuint i, nuint n)
    {
        float sum = 0;
        for (; i < n; i++)
            sum += Unsafe.Add(ref px, i) * Unsafe.Add(ref py, i);
        return sum;
    }
}
