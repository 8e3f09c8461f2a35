using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using StarChat.Engine.Quantization;

namespace StarChat.Engine.Kernels;

public static partial class VectorMath
{
    // Q8_SCB rows (bitsandbytes LLM.int8 weights) times f32 activations: Σ_b (absmax_b/127) · Σ_j q_bj·x_bj. The int8 values are
    // widened to f32 inside the loop, so the weights are read at one byte each and never stored wider.

    internal static float DotQ8Scb(KernelPath path, ReadOnlySpan<BlockQ8_SCB> w, ReadOnlySpan<float> x) => path switch
    {
        KernelPath.Vector512 => DotQ8Scb_512(w, x),
        KernelPath.Vector256 => DotQ8Scb_256(w, x),
        _ => DotQ8ScbScalar(w, x),
    };

    /// <summary>The reference: one f32 sum per block, scaled and added in block order.</summary>
    internal static float DotQ8ScbScalar(ReadOnlySpan<BlockQ8_SCB> w, ReadOnlySpan<float> x)
    {
        KernelGuard.SameLength(w.Length * BlockQ8_SCB.Count, x.Length, nameof(x));
        float sum = 0;
        for (int b = 0; b < w.Length; b++)
        {
            ref readonly BlockQ8_SCB block = ref w[b];
            var xb = x.Slice(b * BlockQ8_SCB.Count, BlockQ8_SCB.Count);
            float s = 0;
            for (int j = 0; j < BlockQ8_SCB.Count; j++)
                s += block.Qs[j] * xb[j];
            sum += block.Absmax / 127f * s;
        }
        return sum;
    }

    internal static float DotQ8Scb_256(ReadOnlySpan<BlockQ8_SCB> w, ReadOnlySpan<float> x)
    {
        KernelGuard.SameLength(w.Length * BlockQ8_SCB.Count, x.Length, nameof(x));
        ref float px = ref MemoryMarshal.GetReference(x);
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < w.Length; b++)
        {
            ref readonly BlockQ8_SCB block = ref w[b];
            // 32 int8 → 2 × 16 int16 → 4 × 8 int32 → f32, each times 8 activations.
            var q = Vector256.LoadUnsafe(ref Unsafe.As<SBytes32, sbyte>(ref Unsafe.AsRef(in block.Qs)));
            var (lo, hi) = Vector256.Widen(q);
            var (q0, q1) = Vector256.Widen(lo);
            var (q2, q3) = Vector256.Widen(hi);
            nuint i = (nuint)(b * BlockQ8_SCB.Count);
            var s = Vector256.ConvertToSingle(q0) * Vector256.LoadUnsafe(ref px, i);
            s = Vector256.MultiplyAddEstimate(Vector256.ConvertToSingle(q1), Vector256.LoadUnsafe(ref px, i + 8), s);
            s = Vector256.MultiplyAddEstimate(Vector256.ConvertToSingle(q2), Vector256.LoadUnsafe(ref px, i + 16), s);
            s = Vector256.MultiplyAddEstimate(Vector256.ConvertToSingle(q3), Vector256.LoadUnsafe(ref px, i + 24), s);
            acc = Vector256.MultiplyAddEstimate(Vector256.Create(block.Absmax / 127f), s, acc);
        }
        return Vector256.Sum(acc);
    }

    internal static float DotQ8Scb_512(ReadOnlySpan<BlockQ8_SCB> w, ReadOnlySpan<float> x)
    {
        KernelGuard.SameLength(w.Length * BlockQ8_SCB.Count, x.Length, nameof(x));
        ref float px = ref MemoryMarshal.GetReference(x);
        var acc = Vector512<float>.Zero;
        for (int b = 0; b < w.Length; b++)
        {
            ref readonly BlockQ8_SCB block = ref w[b];
            // 32 int8 → 32 int16 in one Vector512 → 2 × 16 int32 → f32, each times 16 activations.
            var q = Vector256.LoadUnsafe(ref Unsafe.As<SBytes32, sbyte>(ref Unsafe.AsRef(in block.Qs)));
            var (lo, hi) = Vector256.Widen(q);
            var (q0, q1) = Vector512.Widen(Vector512.Create(lo, hi));
            nuint i = (nuint)(b * BlockQ8_SCB.Count);
            var s = Vector512.ConvertToSingle(q0) * Vector512.LoadUnsafe(ref px, i);
            s = Vector512.MultiplyAddEstimate(Vector512.ConvertToSingle(q1), Vector512.LoadUnsafe(ref px, i + 16), s);
            acc = Vector512.MultiplyAddEstimate(Vector512.Create(block.Absmax / 127f), s, acc);
        }
        return Vector512.Sum(acc);
    }
}
