using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels;

public static partial class VectorMath
{
    /// <summary>
    /// Softmax in place, in f32: x[i] = e^(x[i]−max) / Σ e^(x[j]−max). Subtracting the maximum keeps every exponent
    /// ≤ 0, so nothing overflows. An empty span is left alone; a span holding +∞ or NaN gives NaN.
    /// </summary>
    public static void Softmax(Span<float> x) => Softmax(KernelSelection.Current, x);

    internal static void Softmax(KernelPath path, Span<float> x)
    {
        if (x.IsEmpty)
            return;
        float max = Max(path, x);
        float sum = ExpMinusMaxInPlace(path, x, max);
        Scale(path, x, 1f / sum);
    }

    internal static float Max(KernelPath path, ReadOnlySpan<float> x)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        float max = float.NegativeInfinity;
        if (path == KernelPath.Vector512 && n >= 16)
        {
            var m = Vector512.LoadUnsafe(ref px);
            for (i = 16; i + 16 <= n; i += 16)
                m = Vector512.Max(m, Vector512.LoadUnsafe(ref px, i));
            for (int k = 0; k < 16; k++)
                max = MathF.Max(max, m[k]);
        }
        else if (path == KernelPath.Vector256 && n >= 8)
        {
            var m = Vector256.LoadUnsafe(ref px);
            for (i = 8; i + 8 <= n; i += 8)
                m = Vector256.Max(m, Vector256.LoadUnsafe(ref px, i));
            for (int k = 0; k < 8; k++)
                max = MathF.Max(max, m[k]);
        }
        for (; i < n; i++)
            max = MathF.Max(max, Unsafe.Add(ref px, i));
        return max;
    }

    // x[i] = e^(x[i] − max); returns Σ of the new values.
    private static float ExpMinusMaxInPlace(KernelPath path, Span<float> x, float max)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        float sum = 0;
        if (path == KernelPath.Vector512)
        {
            var m = Vector512.Create(max);
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                var e = Vector512.Exp(Vector512.LoadUnsafe(ref px, i) - m);
                e.StoreUnsafe(ref px, i);
                acc += e;
            }
            sum = Vector512.Sum(acc);
        }
        else if (path == KernelPath.Vector256)
        {
            var m = Vector256.Create(max);
            var acc = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                var e = Vector256.Exp(Vector256.LoadUnsafe(ref px, i) - m);
                e.StoreUnsafe(ref px, i);
                acc += e;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            float e = MathF.Exp(Unsafe.Add(ref px, i) - max);
            Unsafe.Add(ref px, i) = e;
            sum += e;
        }
        return sum;
    }
}
