using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StarChat.Engine.Quantization;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// Activations to Q8_0 and Q8_1 blocks on AVX2, byte for byte what <see cref="Quantize.Row"/> (ggml's
/// <c>quantize_row_q8_0_ref</c> and <c>quantize_row_q8_1_ref</c>) writes for finite input: the same f32 scale and
/// reciprocal, the same products, and round-half-away-from-zero done as truncate + compare of the exact fractional
/// part. Decoding quantizes every matmul's input on the calling thread while the others wait, so the scalar loop
/// showed up in profiles.
/// </summary>
internal static unsafe class Q8Activations
{
    private const int Q8_0Bytes = 34, Q8_1Bytes = 36;

    /// <summary>True when the quantizers run here.</summary>
    public static bool IsSupported => Avx2.IsSupported;

    /// <summary>Quantizes <paramref name="x"/> (whole blocks of 32) into Q8_0 blocks (34 bytes each: d, 32 quants).</summary>
    public static void QuantizeQ8_0(ReadOnlySpan<float> x, Span<byte> destination)
    {
        int blocks = Blocks(x, destination, Q8_0Bytes, "Q8_0");
        fixed (float* source = x)
        fixed (byte* target = destination)
        {
            for (int b = 0; b < blocks; b++)
            {
                byte* block = target + b * Q8_0Bytes;
                Block(source + b * 32, out float d).Store((sbyte*)(block + 2));
                WriteHalf(block, d);
            }
        }
    }

    /// <summary>Quantizes <paramref name="x"/> (whole blocks of 32) into Q8_1 blocks (36 bytes each: d, s = d·Σq, 32 quants).</summary>
    public static void QuantizeQ8_1(ReadOnlySpan<float> x, Span<byte> destination)
    {
        int blocks = Blocks(x, destination, Q8_1Bytes, "Q8_1");
        fixed (float* source = x)
        fixed (byte* target = destination)
        {
            for (int b = 0; b < blocks; b++)
            {
                byte* block = target + b * Q8_1Bytes;
                var quants = Block(source + b * 32, out float d);
                quants.Store((sbyte*)(block + 4));
                WriteHalf(block, d);
                // Σq in int32: pairs of bytes, then pairs of int16.
                var pairs = Avx2.MultiplyAddAdjacent(Vector256.Create((byte)1), quants);
                WriteHalf(block + 2, Vector256.Sum(Avx2.MultiplyAddAdjacent(pairs, Vector256<short>.One)) * d);
            }
        }
    }

    private static int Blocks(ReadOnlySpan<float> x, Span<byte> destination, int blockBytes, string type)
    {
        int blocks = x.Length / 32;
        if (x.Length % 32 != 0 || destination.Length != blocks * blockBytes)
            throw new ArgumentException($"{x.Length} values into {destination.Length} bytes is not whole {type} blocks");
        return blocks;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteHalf(byte* at, float value)
        => Unsafe.WriteUnaligned(at, BitConverter.HalfToUInt16Bits(QuantMath.ToHalf(value)));

    // The 32 values as bytes, in order, and their scale d = amax / 127.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Block(float* x, out float d)
    {
        var v0 = Vector256.Load(x);
        var v1 = Vector256.Load(x + 8);
        var v2 = Vector256.Load(x + 16);
        var v3 = Vector256.Load(x + 24);
        var largest = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        float amax = FloatLanes.Max(largest);
        d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;

        var scale = Vector256.Create(id);
        var q01 = Avx2.PackSignedSaturate(Rounded(v0 * scale), Rounded(v1 * scale));   // int16, lanes interleaved by 128 bits
        var q23 = Avx2.PackSignedSaturate(Rounded(v2 * scale), Rounded(v3 * scale));
        var bytes = Avx2.PackSignedSaturate(q01, q23);                                   // int8, 32-bit groups out of order
        return Avx2.PermuteVar8x32(bytes.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)).AsSByte();
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
