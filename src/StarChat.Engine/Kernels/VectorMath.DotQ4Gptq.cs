using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using StarChat.Engine.Quantization;

namespace StarChat.Engine.Kernels;

public static partial class VectorMath
{
    // Q4_GPTQ rows times f32 activations: Σ_b s_b · Σ_j (q_bj − z_b)·x_bj. The nibbles are widened to f32 inside the
    // loop, so decoding reads about 0.66 bytes per weight.

    internal static float DotQ4Gptq(KernelPath path, ReadOnlySpan<BlockQ4_GPTQ> w, ReadOnlySpan<float> x) => path switch
    {
        KernelPath.Vector512 => DotQ4Gptq512(w, x),
        KernelPath.Vector256 => DotQ4Gptq256(w, x),
        _ => DotQ4GptqScalar(w, x),
    };

    /// <summary>The reference: one f32 sum of (q − z)·x per block, scaled and added in block order.</summary>
    internal static float DotQ4GptqScalar(ReadOnlySpan<BlockQ4_GPTQ> w, ReadOnlySpan<float> x)
    {
        KernelGuard.SameLength(w.Length * BlockQ4_GPTQ.Count, x.Length, nameof(x));
        float sum = 0;
        for (int b = 0; b < w.Length; b++)
        {
            ref readonly BlockQ4_GPTQ block = ref w[b];
            var xb = x.Slice(b * BlockQ4_GPTQ.Count, BlockQ4_GPTQ.Count);
            float s = 0;
            for (int j = 0; j < 16; j++)
            {
                s += ((block.Qs[j] & 0x0F) - block.Z) * xb[j];
                s += ((block.Qs[j] >> 4) - block.Z) * xb[j + 16];
            }
            sum += block.S * s;
        }
        return sum;
    }

    /// <summary>The 32 values of a block, q − z, as 32 signed 16-bit lanes in input order.</summary>
    private static (Vector256<short> Low, Vector256<short> High) Centered(ref readonly BlockQ4_GPTQ block)
    {
        var packed = Vector128.LoadUnsafe(ref Unsafe.As<Bytes16, byte>(ref Unsafe.AsRef(in block.Qs)));
        var nibbles = Vector256.Create(packed & Vector128.Create((byte)0x0F), Vector128.ShiftRightLogical(packed, 4));
        var (lo, hi) = Vector256.Widen(nibbles);
        var z = Vector256.Create((ushort)block.Z);
        return ((lo - z).AsInt16(), (hi - z).AsInt16());
    }

    internal static float DotQ4Gptq256(ReadOnlySpan<BlockQ4_GPTQ> w, ReadOnlySpan<float> x)
    {
        KernelGuard.SameLength(w.Length * BlockQ4_GPTQ.Count, x.Length, nameof(x));
        ref float px = ref MemoryMarshal.GetReference(x);
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < w.Length; b++)
        {
            ref readonly BlockQ4_GPTQ block = ref w[b];
            var (lo, hi) = Centered(in block);
            var (q0, q1) = Vector256.Widen(lo);
            var (q2, q3) = Vector256.Widen(hi);
            nuint i = (nuint)(b * BlockQ4_GPTQ.Count);
            var s = Vector256.ConvertToSingle(q0) * Vector256.LoadUnsafe(ref px, i);
            s = Vector256.MultiplyAddEstimate(Vector256.ConvertToSingle(q1), Vector256.LoadUnsafe(ref px, i + 8), s);
            s = Vector256.MultiplyAddEstimate(Vector256.ConvertToSingle(q2), Vector256.LoadUnsafe(ref px, i + 16), s);
            s = Vector256.MultiplyAddEstimate(Vector256.ConvertToSingle(q3), Vector256.LoadUnsafe(ref px, i + 24), s);
            acc = Vector256.MultiplyAddEstimate(Vector256.Create(block.S), s, acc);
        }
        return Vector256.Sum(acc);
    }

    internal static float DotQ4Gptq512(ReadOnlySpan<BlockQ4_GPTQ> w, ReadOnlySpan<float> x)
    {
        KernelGuard.SameLength(w.Length * BlockQ4_GPTQ.Count, x.Length, nameof(x));
        ref float px = ref MemoryMarshal.GetReference(x);
        var acc = Vector512<float>.Zero;
        for (int b = 0; b < w.Length; b++)
        {
            ref readonly BlockQ4_GPTQ block = ref w[b];
            var (lo, hi) = Centered(in block);
            var (q0, q1) = Vector512.Widen(Vector512.Create(lo, hi));
            nuint i = (nuint)(b * BlockQ4_GPTQ.Count);
            var s = Vector512.ConvertToSingle(q0) * Vector512.LoadUnsafe(ref px, i);
            s = Vector512.MultiplyAddEstimate(Vector512.ConvertToSingle(q1), Vector512.LoadUnsafe(ref px, i + 16), s);
            acc = Vector512.MultiplyAddEstimate(Vector512.Create(block.S), s, acc);
        }
        return Vector512.Sum(acc);
    }
}
