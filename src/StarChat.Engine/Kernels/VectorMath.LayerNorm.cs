using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels;

public static partial class VectorMath
{
    /// <summary>
    /// GPTBigCode's LayerNorm: μ = mean(x), σ² = mean((x−μ)²) (biased), destination = (x−μ)/√(σ²+ε) ⊙ weight + bias.
    /// <paramref name="destination"/> may be <paramref name="x"/> itself. Two passes over x, so a constant row
    /// gives exactly zero variance rather than a cancellation error.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length differs from x's.</exception>
    public static void LayerNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> destination, float epsilon)
    {
        KernelGuard.SameLength(x.Length, weight.Length, nameof(weight));
        KernelGuard.SameLength(x.Length, bias.Length, nameof(bias));
        KernelGuard.SameLength(x.Length, destination.Length, nameof(destination));
        LayerNorm(KernelSelection.Current, x, weight, bias, destination, epsilon);
    }

    internal static void LayerNorm(KernelPath path, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Span<float> destination, float epsilon)
    {
        if (x.IsEmpty)
            return;
        float mean = Sum(path, x) / x.Length;
        float variance = SumOfSquaredDeviations(path, x, mean) / x.Length;
        float inverseStd = 1f / MathF.Sqrt(variance + epsilon);

        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pw = ref MemoryMarshal.GetReference(weight);
        ref float pb = ref MemoryMarshal.GetReference(bias);
        ref float pd = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)x.Length, i = 0;
        if (path == KernelPath.Vector512)
        {
            var m = Vector512.Create(mean);
            var s = Vector512.Create(inverseStd);
            for (; i + 16 <= n; i += 16)
            {
                var normed = (Vector512.LoadUnsafe(ref px, i) - m) * s;
                Vector512.MultiplyAddEstimate(normed, Vector512.LoadUnsafe(ref pw, i), Vector512.LoadUnsafe(ref pb, i)).StoreUnsafe(ref pd, i);
            }
        }
        else if (path == KernelPath.Vector256)
        {
            var m = Vector256.Create(mean);
            var s = Vector256.Create(inverseStd);
            for (; i + 8 <= n; i += 8)
            {
                var normed = (Vector256.LoadUnsafe(ref px, i) - m) * s;
                Vector256.MultiplyAddEstimate(normed, Vector256.LoadUnsafe(ref pw, i), Vector256.LoadUnsafe(ref pb, i)).StoreUnsafe(ref pd, i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) = (Unsafe.Add(ref px, i) - mean) * inverseStd * Unsafe.Add(ref pw, i) + Unsafe.Add(ref pb, i);
    }

    internal static float Sum(KernelPath path, ReadOnlySpan<float> x)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        float sum = 0;
        if (path == KernelPath.Vector512)
        {
            Vector512<float> a0 = default, a1 = default;
            for (; i + 32 <= n; i += 32)
            {
                a0 += Vector512.LoadUnsafe(ref px, i);
                a1 += Vector512.LoadUnsafe(ref px, i + 16);
            }
            for (; i + 16 <= n; i += 16)
                a0 += Vector512.LoadUnsafe(ref px, i);
            sum = Vector512.Sum(a0 + a1);
        }
        else if (path == KernelPath.Vector256)
        {
            Vector256<float> a0 = default, a1 = default;
            for (; i + 16 <= n; i += 16)
            {
                a0 += Vector256.LoadUnsafe(ref px, i);
                a1 += Vector256.LoadUnsafe(ref px, i + 8);
            }
            for (; i + 8 <= n; i += 8)
                a0 += Vector256.LoadUnsafe(ref px, i);
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++)
            sum += Unsafe.Add(ref px, i);
        return sum;
    }

    private static float SumOfSquaredDeviations(KernelPath path, ReadOnlySpan<float> x, float mean)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        float sum = 0;
        if (path == KernelPath.Vector512)
        {
            var m = Vector512.Create(mean);
            Vector512<float> a0 = default, a1 = default;
            for (; i + 32 <= n; i += 32)
            {
                var d0 = Vector512.LoadUnsafe(ref px, i) - m;
                var d1 = Vector512.LoadUnsafe(ref px, i + 16) - m;
                a0 = Vector512.MultiplyAddEstimate(d0, d0, a0);
                a1 = Vector512.MultiplyAddEstimate(d1, d1, a1);
            }
            for (; i + 16 <= n; i += 16)
            {
                var d = Vector512.LoadUnsafe(ref px, i) - m;
                a0 = Vector512.MultiplyAddEstimate(d, d, a0);
            }
            sum = Vector512.Sum(a0 + a1);
        }
        else if (path == KernelPath.Vector256)
        {
            var m = Vector256.Create(mean);
            Vector256<float> a0 = default, a1 = default;
            for (; i + 16 <= n; i += 16)
            {
                var d0 = Vector256.LoadUnsafe(ref px, i) - m;
                var d1 = Vector256.LoadUnsafe(ref px, i + 8) - m;
                a0 = Vector256.MultiplyAddEstimate(d0, d0, a0);
                a1 = Vector256.MultiplyAddEstimate(d1, d1, a1);
            }
            for (; i + 8 <= n; i += 8)
            {
                var d = Vector256.LoadUnsafe(ref px, i) - m;
                a0 = Vector256.MultiplyAddEstimate(d, d, a0);
            }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref px, i) - mean;
            sum += d * d;
        }
        return sum;
    }
}
