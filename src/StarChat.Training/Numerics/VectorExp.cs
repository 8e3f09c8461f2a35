using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StarChat.Training.Numerics;

/// <summary>e^x over spans, with the runtime's vectorized <c>Vector.Exp</c> for f32 and f64 (within a few ulp of the scalar one).</summary>
internal static class VectorExp
{
    /// <summary><c>x[i] = e^(x[i] − shift)</c>; returns Σ of the new values.</summary>
    public static T ExpShiftedInPlace<T>(Span<T> x, T shift) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T px = ref MemoryMarshal.GetReference(x);
        int i = 0, n = x.Length, vc = Vector<T>.Count;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && n >= vc)
        {
            var s = new Vector<T>(shift);
            Vector<T> acc = default;
            for (; i + vc <= n; i += vc)
            {
                var e = Exp(Vector.LoadUnsafe(ref px, (nuint)i) - s);
                e.StoreUnsafe(ref px, (nuint)i);
                acc += e;
            }
            sum = Vector.Sum(acc);
        }
        for (; i < n; i++)
        {
            T e = T.Exp(x[i] - shift);
            x[i] = e;
            sum += e;
        }
        return sum;
    }

    /// <summary>The largest element; NaN when any element is NaN.</summary>
    public static T Max<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T px = ref MemoryMarshal.GetReference(x);
        int i = 0, n = x.Length, vc = Vector<T>.Count;
        T max = T.NegativeInfinity;
        bool nan = false;
        if (Vector.IsHardwareAccelerated && n >= vc)
        {
            var m = new Vector<T>(T.NegativeInfinity);
            var anyNan = Vector<T>.Zero;
            for (; i + vc <= n; i += vc)
            {
                var v = Vector.LoadUnsafe(ref px, (nuint)i);
                anyNan |= ~Vector.Equals(v, v);
                m = Vector.Max(m, v);
            }
            nan = anyNan != Vector<T>.Zero;
            for (int k = 0; k < vc; k++)
                max = T.Max(max, m[k]);
        }
        for (; i < n; i++)
        {
            nan |= T.IsNaN(x[i]);
            max = T.Max(max, x[i]);
        }
        return nan ? T.NaN : max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Exp<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            return Vector.Exp(x.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector.Exp(x.As<T, double>()).As<double, T>();
        Span<T> lanes = stackalloc T[Vector<T>.Count];
        x.CopyTo(lanes);
        foreach (ref var v in lanes)
            v = T.Exp(v);
        return new Vector<T>(lanes);
    }
}
