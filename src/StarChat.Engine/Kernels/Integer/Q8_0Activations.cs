using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StarChat.Engine.Quantization;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// Activations to Q8_0 blocks on AVX2, byte for byte what <see cref="Quantize.Row"/> (ggml's
/// <c>quantize_row_q8_0_ref</c>) writes for finite input: the same f32 scale and reciprocal, the same products, and
/// round-half-away-from-zero done as truncate + compare of the exact fractional part. Decoding quantizes every
/// matmul's input on the calling thread while the others wait, so the scalar loop showed up in profiles.
/// </summary>
internal static unsafe class Q8_0Activations
{
    private const int BlockBytes = 34;

    /// <summary>True when <see cref="Quantize"/> runs here.</summary>
    public static bool IsSupported => Avx2.IsSupported;

    /// <summary>Quantizes <paramref name="x"/> (whole blocks of 32) into <paramref name="destination"/> (34 bytes per block).</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> destination)
    {
        int blocks = x.Length / 32;
        if (x.Length % 32 != 0 || destination.Length != blocks * BlockBytes)
            throw new ArgumentException($"{x.Length} values into {destination.Length} bytes is not whole Q8_0 blocks");
        fixed (float* source = x)
        fixed (byte* target = destination)
        {
            for (int b = 0; b < blocks; b++)
                Block(source + b * 32, target + b * BlockBytes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block(float* x, byte* block)
    {
        var v0 = Vector256.Load(x);
        var v1 = Vector256.Load(x + 8);
        var v2 = Vector256.Load(x + 16);
        var v3 = Vector256.Load(x + 24);
        var largest = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        float amax = FloatLanes.Max(largest);
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        Unsafe.WriteUnaligned(block, BitConverter.HalfToUInt16Bits(QuantMath.ToHalf(d)));

        var scale = Vector256.Create(id);
        var q01 = Avx2.PackSignedSaturate(Rounded(v0 * scale), Rounded(v1 * scale));   // int16, lanes interleaved by 128 bits
        var q23 = Avx2.PackSignedSaturate(Rounded(v2 * scale), Rounded(v3 * scale));
        var bytes = Avx2.PackSignedSaturate(q01, q23);                                   // int8, 32-bit groups out of order
        var ordered = Avx2.PermuteVar8x32(bytes.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7));
        ordered.AsSByte().Store((sbyte*)(block + 2));
    }

    // round(p) half away from zero: p − trunc(p) is exact, so ties are decided exactly as the scalar reference does.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Rounded(Vector256<float> p)
    {
        var truncated = Avx.RoundToZero(p);
        var away = Vector256.GreaterThanOrEqual(Vector256.Abs(p - truncated), Vector256.Create(0.5f));
        var step = (p & Vector256.Create(-0.0f)) | Vector256.Create(1.0f);              // ±1 with p's sign
        return Avx.ConvertToVector256Int32WithTruncation(truncated + (step & away));
    }
}
