using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// Activations to Q8_K blocks (the K-quants' activation format) on AVX2, byte for byte what ggml's
/// <c>quantize_row_q8_K_ref</c> (<see cref="Quantization.Quantize.Row"/>) writes for finite input: the scale comes from
/// the first value of largest magnitude, products are rounded to nearest even as ggml's <c>nearest_int</c> does
/// (which is what <c>vcvtps2dq</c> does under the default rounding mode, for these magnitudes), and the 16-value sums
/// are exact integers.
/// </summary>
internal static unsafe class Q8_KActivations
{
    private const int Values = 256;
    private const int BlockBytes = 292;     // f32 d, 256 × int8, 16 × int16 sums

    /// <summary>True when <see cref="Quantize"/> runs here.</summary>
    public static bool IsSupported => Avx2.IsSupported;

    /// <summary>Quantizes <paramref name="x"/> (whole blocks of 256) into <paramref name="destination"/> (292 bytes per block).</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> destination)
    {
        int blocks = x.Length / Values;
        if (x.Length % Values != 0 || destination.Length != blocks * BlockBytes)
            throw new ArgumentException($"{x.Length} values into {destination.Length} bytes is not whole Q8_K blocks");
        fixed (float* source = x)
        fixed (byte* target = destination)
        {
            for (int b = 0; b < blocks; b++)
                Block(source + b * Values, target + b * BlockBytes);
        }
    }

    private static void Block(float* x, byte* block)
    {
        var largest = Vector256<float>.Zero;
        for (int i = 0; i < Values; i += 8)
            largest = Vector256.Max(largest, Vector256.Abs(Vector256.Load(x + i)));
        float amax = FloatLanes.Max(largest);
        if (amax == 0)
        {
            new Span<byte>(block, BlockBytes).Clear();
            return;
        }
        // The reference keeps the first value whose magnitude is strictly larger than all before it.
        float max = 0;
        var target = Vector256.Create(amax);
        for (int i = 0; i < Values; i += 8)
        {
            uint hits = Vector256.Equals(Vector256.Abs(Vector256.Load(x + i)), target).ExtractMostSignificantBits();
            if (hits != 0)
            {
                max = x[i + BitOperations.TrailingZeroCount(hits)];
                break;
            }
        }
        float iscale = -127f / max;
        var scale = Vector256.Create(iscale);
        var ceiling = Vector256.Create(127);
        short* sums = (short*)(block + 4 + Values);
        for (int i = 0; i < Values; i += 32)
        {
            var q0 = Vector256.Min(Avx.ConvertToVector256Int32(Vector256.Load(x + i) * scale), ceiling);
            var q1 = Vector256.Min(Avx.ConvertToVector256Int32(Vector256.Load(x + i + 8) * scale), ceiling);
            var q2 = Vector256.Min(Avx.ConvertToVector256Int32(Vector256.Load(x + i + 16) * scale), ceiling);
            var q3 = Vector256.Min(Avx.ConvertToVector256Int32(Vector256.Load(x + i + 24) * scale), ceiling);
            sums[i / 16] = (short)Vector256.Sum(q0 + q1);
            sums[i / 16 + 1] = (short)Vector256.Sum(q2 + q3);
            var bytes = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(q0, q1), Avx2.PackSignedSaturate(q2, q3));
            Avx2.PermuteVar8x32(bytes.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)).AsSByte().Store((sbyte*)(block + 4 + i));
        }
        Unsafe.WriteUnaligned(block, 1 / iscale);
    }
}
