using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

internal static unsafe partial class IntegerDot
{
    // block_q4_K: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes: byte 32k + l holds weight 64k + l
    // (low nibble, sub-block 2k) and 64k + 32 + l (high nibble, sub-block 2k + 1).
    private const int Q4_KBytes = 144, Q4_KScales = 4, Q4_KQuants = 16;

    // block_q5_K: Q4_K's fields with qh[32] (bit j of byte l = fifth bit of element l of sub-block j) before the quants.
    private const int Q5_KBytes = 176, Q5_KHigh = 16, Q5_KQuants = 48;

    private static float Q4_Kx256(byte* w, byte* a, int blocks)
    {
        var acc = Vector256<float>.Zero;
        float minimums = 0;
        for (int i = 0; i < blocks; i++, w += Q4_KBytes, a += Q8_KBytes)
        {
            PrefetchLines(w + DecodePrefetch.Distance, Q4_KBytes);
            int sumMins = KScalesAndMinSum(w + Q4_KScales, (short*)(a + Q8_KSums), out var scales);
            byte* q = w + Q4_KQuants;
            sbyte* y = (sbyte*)(a + Q8_KQuants);
            // Two independent sums: the four 64-weight chunks do not wait on each other.
            var sumi = (Q4_KChunk(q, y, scales, 0) + Q4_KChunk(q, y, scales, 1)) + (Q4_KChunk(q, y, scales, 2) + Q4_KChunk(q, y, scales, 3));
            float yd = *(float*)a;
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sumi), Vector256.Create(Half(w) * yd), acc);
            minimums += Half(w + 2) * yd * sumMins;
        }
        return Vector256.Sum(acc) - minimums;
    }

    /// <summary>Chunk <paramref name="k"/> (64 weights: sub-blocks 2k and 2k + 1) of a Q4_K block, scaled, as 8 int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Q4_KChunk(byte* quants, sbyte* y, Vector128<short> scales, int k)
    {
        var packed = Vector256.Load(quants + 32 * k);
        var low4 = Vector256.Create((byte)0x0F);
        return Int8Lanes.ScaledDot(packed & low4, Vector256.Load(y + 64 * k), KScale(scales, 2 * k))
            + Int8Lanes.ScaledDot(Vector256.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & low4, Vector256.Load(y + 64 * k + 32), KScale(scales, 2 * k + 1));
    }

    private static float Q5_Kx256(byte* w, byte* a, int blocks)
    {
        var acc = Vector256<float>.Zero;
        float minimums = 0;
        for (int i = 0; i < blocks; i++, w += Q5_KBytes, a += Q8_KBytes)
        {
            PrefetchLines(w + DecodePrefetch.Distance, Q5_KBytes);
            int sumMins = KScalesAndMinSum(w + Q4_KScales, (short*)(a + Q8_KSums), out var scales);
            var high = Vector256.Load(w + Q5_KHigh);
            byte* q = w + Q5_KQuants;
            sbyte* y = (sbyte*)(a + Q8_KQuants);
            var sumi = (Q5_KChunk(q, high, y, scales, 0) + Q5_KChunk(q, high, y, scales, 1))
                + (Q5_KChunk(q, high, y, scales, 2) + Q5_KChunk(q, high, y, scales, 3));
            float yd = *(float*)a;
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sumi), Vector256.Create(Half(w) * yd), acc);
            minimums += Half(w + 2) * yd * sumMins;
        }
        return Vector256.Sum(acc) - minimums;
    }

    /// <summary>Chunk <paramref name="k"/> of a Q5_K block: Q4_K's nibbles with their fifth bits from <paramref name="high"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Q5_KChunk(byte* quants, Vector256<byte> high, sbyte* y, Vector128<short> scales, int k)
    {
        var packed = Vector256.Load(quants + 32 * k);
        var low4 = Vector256.Create((byte)0x0F);
        var one = Vector256.Create((byte)1);
        var q0 = (packed & low4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(high, 2 * k) & one, 4);
        var q1 = (Vector256.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & low4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(high, 2 * k + 1) & one, 4);
        return Int8Lanes.ScaledDot(q0, Vector256.Load(y + 64 * k), KScale(scales, 2 * k))
            + Int8Lanes.ScaledDot(q1, Vector256.Load(y + 64 * k + 32), KScale(scales, 2 * k + 1));
    }

    /// <summary>Sub-block <paramref name="j"/>'s scale (a constant after inlining) in every int16 lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    [SuppressMessage("Performance", "CA1857", Justification = "Every caller passes a constant j; inlined, the shift is an immediate.")]
    private static Vector256<short> KScale(Vector128<short> scales, int j)
        => Avx2.BroadcastScalarToVector256(Sse2.ShiftRightLogical128BitLane(scales, (byte)(2 * j)));

    /// <summary>Unpacks the eight sub-block scales into <paramref name="scales"/>; returns Σ_j m_j·(sum of the
    /// activations of sub-block j), the integer part of the minimums' contribution.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int KScalesAndMinSum(byte* packed, short* sums, out Vector128<short> scales)
    {
        KScaleCodes(packed, out scales, out var mins);
        return KMinSum(mins, sums);
    }

    /// <summary>The eight scale and eight minimum codes (0…63) of a Q4_K/Q5_K block, widened to int16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KScaleCodes(byte* packed, out Vector128<short> scales, out Vector128<short> mins)
    {
        var codes = KCodeBytes(packed);
        scales = Sse41.ConvertToVector128Int16(codes);
        mins = Sse41.ConvertToVector128Int16(Sse2.ShiftRightLogical128BitLane(codes, 8));
    }

    /// <summary>The 12 bytes of 6-bit codes as 16 bytes: the eight scales, then the eight minimums.</summary>
    /// <remarks>Four 32-bit word operations (ggml's utmp arrangement; the same codes as <see cref="Quantization.KScales.Get"/>).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> KCodeBytes(byte* packed)
    {
        const uint Low6 = 0x3F3F3F3F, Low4 = 0x0F0F0F0F, Low2 = 0x03030303;
        uint u0 = Unsafe.ReadUnaligned<uint>(packed), u1 = Unsafe.ReadUnaligned<uint>(packed + 4), u2 = Unsafe.ReadUnaligned<uint>(packed + 8);
        uint scalesLow = u0 & Low6;                                          // scales 0–3
        uint scalesHigh = (u2 & Low4) | (((u0 >> 6) & Low2) << 4);           // scales 4–7
        uint minsLow = u1 & Low6;                                            // minimums 0–3
        uint minsHigh = ((u2 >> 4) & Low4) | (((u1 >> 6) & Low2) << 4);      // minimums 4–7
        return Vector128.Create(scalesLow, scalesHigh, minsLow, minsHigh).AsByte();
    }

    /// <summary>Σ_j m_j·(sum of sub-block j's activations), from Q8_K's sixteen 16-value sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int KMinSum(Vector128<short> mins, short* sums)
    {
        var subBlockSums = Ssse3.HorizontalAdd(Vector128.Load(sums), Vector128.Load(sums + 8));
        return Vector128.Sum(Sse2.MultiplyAddAdjacent(mins, subBlockSums));
    }
}
