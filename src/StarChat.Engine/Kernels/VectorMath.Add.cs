using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels;

public static partial class VectorMath
{
    /// <summary>destination[i] = x[i] + y[i]. <paramref name="destination"/> may be <paramref name="x"/> or <paramref name="y"/> itself.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        KernelGuard.SameLength(x.Length, y.Length, nameof(y));
        KernelGuard.SameLength(x.Length, destination.Length, nameof(destination));
        Add(KernelSelection.Current, x, y, destination);
    }

    /// <summary>x[i] += y[i] (the residual connection).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void AddInPlace(Span<float> x, ReadOnlySpan<float> y)
    {
        KernelGuard.SameLength(x.Length, y.Length, nameof(y));
        Add(KernelSelection.Current, x, y, x);
    }

    /// <summary>destination[i] += factor·x[i] (axpy; the attention-weighted sum of values).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void AddScaled(Span<float> destination, ReadOnlySpan<float> x, float factor)
    {
        KernelGuard.SameLength(destination.Length, x.Length, nameof(x));
        AddScaled(KernelSelection.Current, destination, x, factor);
    }

    internal static void Add(KernelPath path, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pd = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)x.Length, i = 0;
        if (path == KernelPath.Vector512)
        {
            for (; i + 16 <= n; i += 16)
                (Vector512.LoadUnsafe(ref px, i) + Vector512.LoadUnsafe(ref py, i)).StoreUnsafe(ref pd, i);
        }
        else if (path == KernelPath.Vector256)
        {
            for (; i + 8 <= n; i += 8)
                (Vector256.LoadUnsafe(ref px, i) + Vector256.LoadUnsafe(ref py, i)).StoreUnsafe(ref pd, i);
        }
        // Scalar rung, and the tail of the vector rungs (an element-wise sum rounds the same either way).
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) = Unsafe.Add(ref px, i) + Unsafe.Add(ref py, i);
    }

    internal static void AddScaled(KernelPath path, Span<float> destination, ReadOnlySpan<float> x, float factor)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pd = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)x.Length, i = 0;
        if (path == KernelPath.Vector512)
        {
            var f = Vector512.Create(factor);
            for (; i + 16 <= n; i += 16)
                Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref px, i), f, Vector512.LoadUnsafe(ref pd, i)).StoreUnsafe(ref pd, i);
        }
        else if (path == KernelPath.Vector256)
        {
            var f = Vector256.Create(factor);
            for (; i + 8 <= n; i += 8)
                Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref px, i), f, Vector256.LoadUnsafe(ref pd, i)).StoreUnsafe(ref pd, i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) += factor * Unsafe.Add(ref px, i);
    }
}
