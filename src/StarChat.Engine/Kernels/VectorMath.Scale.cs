using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels;

public static partial class VectorMath
{
    /// <summary>x[i] *= factor, in place.</summary>
    public static void Scale(Span<float> x, float factor) => Scale(KernelSelection.Current, x, factor);

    internal static void Scale(KernelPath path, Span<float> x, float factor)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        if (path == KernelPath.Vector512)
        {
            var f = Vector512.Create(factor);
            for (; i + 16 <= n; i += 16)
                (Vector512.LoadUnsafe(ref px, i) * f).StoreUnsafe(ref px, i);
        }
        else if (path == KernelPath.Vector256)
        {
            var f = Vector256.Create(factor);
            for (; i + 8 <= n; i += 8)
                (Vector256.LoadUnsafe(ref px, i) * f).StoreUnsafe(ref px, i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref px, i) *= factor;
    }
}
