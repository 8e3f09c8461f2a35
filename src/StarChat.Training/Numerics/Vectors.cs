using System.Numerics;
using System.Runtime.InteropServices;

namespace StarChat.Training.Numerics;

/// <summary>
/// Element-wise helpers over spans of f32 or f64, with <see cref="Vector{T}"/> bodies and scalar tails. Sums are
/// taken in a fixed order for a given length, so they are reproducible run to run.
/// </summary>
internal static class Vectors
{
    /// <summary><c>x[i] += y[i]</c>.</summary>
    public static void AddInPlace<T>(Span<T> x, ReadOnlySpan<T> y) where T : unmanaged, INumberBase<T>
    {
        if (y.Length != x.Length) throw new ArgumentException($"lengths differ: {x.Length} and {y.Length}", nameof(y));
        ref T px = ref MemoryMarshal.GetReference(x);
        ref T py = ref MemoryMarshal.GetReference(y);
        int i = 0, n = x.Length, vc = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + vc <= n; i += vc)
                (Vector.LoadUnsafe(ref px, (nuint)i) + Vector.LoadUnsafe(ref py, (nuint)i)).StoreUnsafe(ref px, (nuint)i);
        }
        for (; i < n; i++)
            x[i] += y[i];
    }

    /// <summary><c>x[i] += a·y[i]</c>.</summary>
    public static void AddScaled<T>(Span<T> x, T a, ReadOnlySpan<T> y) where T : unmanaged, INumberBase<T>
    {
        if (y.Length != x.Length) throw new ArgumentException($"lengths differ: {x.Length} and {y.Length}", nameof(y));
        ref T px = ref MemoryMarshal.GetReference(x);
        ref T py = ref MemoryMarshal.GetReference(y);
        int i = 0, n = x.Length, vc = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<T>(a);
            for (; i + vc <= n; i += vc)
                (Vector.LoadUnsafe(ref px, (nuint)i) + va * Vector.LoadUnsafe(ref py, (nuint)i)).StoreUnsafe(ref px, (nuint)i);
        }
        for (; i < n; i++)
            x[i] += a * y[i];
    }

    /// <summary><c>x[i] *= a</c>.</summary>
    public static void Scale<T>(Span<T> x, T a) where T : unmanaged, INumberBase<T>
    {
        ref T px = ref MemoryMarshal.GetReference(x);
        int i = 0, n = x.Length, vc = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<T>(a);
            for (; i + vc <= n; i += vc)
                (Vector.LoadUnsafe(ref px, (nuint)i) * va).StoreUnsafe(ref px, (nuint)i);
        }
        for (; i < n; i++)
            x[i] *= a;
    }

    /// <summary>Σ x[i]·y[i].</summary>
    public static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, INumberBase<T>
    {
        if (y.Length != x.Length) throw new ArgumentException($"lengths differ: {x.Length} and {y.Length}", nameof(y));
        ref T px = ref MemoryMarshal.GetReference(x);
        ref T py = ref MemoryMarshal.GetReference(y);
        int i = 0, n = x.Length, vc = Vector<T>.Count;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && n >= vc)
        {
            Vector<T> acc = default;
            for (; i + vc <= n; i += vc)
                acc += Vector.LoadUnsafe(ref px, (nuint)i) * Vector.LoadUnsafe(ref py, (nuint)i);
            sum = Vector.Sum(acc);
        }
        for (; i < n; i++)
            sum += x[i] * y[i];
        return sum;
    }

    /// <summary>Σ x[i].</summary>
    public static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, INumberBase<T>
    {
        ref T px = ref MemoryMarshal.GetReference(x);
        int i = 0, n = x.Length, vc = Vector<T>.Count;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && n >= vc)
        {
            Vector<T> acc = default;
            for (; i + vc <= n; i += vc)
                acc += Vector.LoadUnsafe(ref px, (nuint)i);
            sum = Vector.Sum(acc);
        }
        for (; i < n; i++)
            sum += x[i];
        return sum;
    }

    /// <summary>The largest element (NaN if any is NaN); −∞ for an empty span.</summary>
    public static T Max<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = T.NegativeInfinity;
        foreach (var v in x)
        {
            if (T.IsNaN(v)) return v;
            if (v > max) max = v;
        }
        return max;
    }
}
