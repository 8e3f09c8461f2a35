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

    /// <summary>
    /// Adds <paramref name="values"/> to each of <paramref name="count"/> rows that start <paramref name="stride"/>
    /// floats apart in <paramref name="rows"/> (a matmul block's bias over its tokens). Vector by vector across the
    /// rows, so a block of 16 outputs × 128 tokens is two short loops, not 128 calls of
    /// <see cref="Add(KernelPath, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/> (those calls were 2 % of an F16 prompt).
    /// </summary>
    internal static void AddToRows(KernelPath path, Span<float> rows, int count, int stride, ReadOnlySpan<float> values)
    {
        int length = values.Length;
        if (count <= 0 || length == 0)
            return;
        if ((long)(count - 1) * stride + length > rows.Length)
            throw new ArgumentException($"{count} rows of {length} values {stride} apart do not fit in {rows.Length}", nameof(rows));
        ref float y0 = ref MemoryMarshal.GetReference(rows);
        ref float pv = ref MemoryMarshal.GetReference(values);
        nuint step = (nuint)stride, n = (nuint)length, i = 0;
        if (path == KernelPath.Vector512)
        {
            for (; i + 16 <= n; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref pv, i);
                nuint at = i;
                for (int r = 0; r < count; r++, at += step)
                    (Vector512.LoadUnsafe(ref y0, at) + v).StoreUnsafe(ref y0, at);
            }
        }
        if (path != KernelPath.Scalar)
        {
            for (; i + 8 <= n; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref pv, i);
                nuint at = i;
                for (int r = 0; r < count; r++, at += step)
                    (Vector256.LoadUnsafe(ref y0, at) + v).StoreUnsafe(ref y0, at);
            }
        }
        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref pv, i);
            nuint at = i;
            for (int r = 0; r < count; r++, at += step)
                Unsafe.Add(ref y0, at) += v;
        }
    }
}
