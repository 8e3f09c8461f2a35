using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels;

public static partial class VectorMath
{
    // gelu(x) = 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³). Since 0.5·(1 + tanh(u)) = 1/(1 + e^(−2u)),
    // every rung evaluates x / (1 + e^(−2u)): the same function, but without the cancellation 1 + tanh(u) suffers
    // for negative x, and with exp, which the vector rungs have and tanh, which they lack.
    // −2u = x·(MinusTwoC + MinusTwoCK·x²) with c = √(2/π) = 0.7978845608028654 and k = 0.044715.
    private const float GeluMinusTwoC = -1.5957691216057308f;
    private const float GeluMinusTwoCK = -0.07135481627159023f;

    /// <summary>
    /// Tanh-approximate GELU (<c>gelu_pytorch_tanh</c>, ggml's <c>gelu</c> without its f16 table), float-accurate
    /// to about 1e-6 relative. <paramref name="destination"/> may be <paramref name="x"/> itself.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void GeluTanh(ReadOnlySpan<float> x, Span<float> destination)
    {
        KernelGuard.SameLength(x.Length, destination.Length, nameof(destination));
        GeluTanh(KernelSelection.Current, x, destination);
    }

    internal static void GeluTanh(KernelPath path, ReadOnlySpan<float> x, Span<float> destination)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pd = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)x.Length, i = 0;
        if (path == KernelPath.Vector512)
        {
            var c = Vector512.Create(GeluMinusTwoC);
            var ck = Vector512.Create(GeluMinusTwoCK);
            for (; i + 16 <= n; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref px, i);
                var minusTwoU = v * Vector512.MultiplyAddEstimate(ck, v * v, c);
                (v / (Vector512<float>.One + Vector512.Exp(minusTwoU))).StoreUnsafe(ref pd, i);
            }
        }
        else if (path == KernelPath.Vector256)
        {
            var c = Vector256.Create(GeluMinusTwoC);
            var ck = Vector256.Create(GeluMinusTwoCK);
            for (; i + 8 <= n; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref px, i);
                var minusTwoU = v * Vector256.MultiplyAddEstimate(ck, v * v, c);
                (v / (Vector256<float>.One + Vector256.Exp(minusTwoU))).StoreUnsafe(ref pd, i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) = GeluTanhScalar(Unsafe.Add(ref px, i));
    }

    internal static float GeluTanhScalar(float x)
    {
        float minusTwoU = x * (GeluMinusTwoC + GeluMinusTwoCK * x * x);
        return x / (1f + MathF.Exp(minusTwoU));
    }
}
