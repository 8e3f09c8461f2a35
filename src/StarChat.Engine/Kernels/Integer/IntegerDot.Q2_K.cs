using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

internal static unsafe partial class IntegerDot
{
    // block_q2_K: 16 bytes of 4-bit scales (low nibble) and minimums (high nibble), one per 16 weights; 64 bytes of
    // 2-bit quants (weight 128h + 32k + l is bits 2k, 2k + 1 of byte 32h + l); f16 d, f16 dmin.
    // Σ w·y = d·d_y·Σ_g s_g·Σ q·y − dmin·d_y·Σ_g m_g·bsum_g, the second term from Q8_K's sums of 16 quants.
    private const int Q2_KBytes = 84, Q2_KQuants = 16, Q2_KD = 80, Q2_KDMin = 82;

    private static float Q2_Kx256(byte* w, byte* a, int blocks)
    {
        var acc = Vector256<float>.Zero;
        float minimums = 0;
        var low2 = Vector256.Create((byte)3);
        var low4 = Vector128.Create((byte)0x0F);
        for (int i = 0; i < blocks; i++, w += Q2_KBytes, a += Q8_KBytes)
        {
            PrefetchLines(w + DecodePrefetch.Distance, Q2_KBytes);
            var packed = Vector128.Load(w);
            var scales = packed & low4;
            var mins = Avx2.ConvertToVector256Int16(Sse2.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & low4);
            int minSum = Vector256.Sum(Avx2.MultiplyAddAdjacent(mins, Vector256.Load((short*)(a + Q8_KSums))));
            var sumi = Vector256<int>.Zero;
            for (int h = 0; h < 2; h++)
            {
                var q = Vector256.Load(w + Q2_KQuants + 32 * h);
                sbyte* y = (sbyte*)(a + Q8_KQuants + 128 * h);
                sumi += GroupPairChunk(q & low2, Vector256.Load(y), scales, 4 * h);
                sumi += GroupPairChunk(ShiftRight16(q, 2) & low2, Vector256.Load(y + 32), scales, 4 * h + 1);
                sumi += GroupPairChunk(ShiftRight16(q, 4) & low2, Vector256.Load(y + 64), scales, 4 * h + 2);
                sumi += GroupPairChunk(ShiftRight16(q, 6) & low2, Vector256.Load(y + 96), scales, 4 * h + 3);
            }
            float yd = *(float*)a;
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sumi), Vector256.Create(Half(w + Q2_KD) * yd), acc);
            minimums += Half(w + Q2_KDMin) * yd * minSum;
        }
        return Vector256.Sum(acc) - minimums;
    }

    /// <summary>One Q2_K row against four tokens (prompts): each half-block's quants and group scales are unpacked
    /// once and used four times.</summary>
    private static void Q2_Kx256FourTokens(byte* w, byte* a, long aStride, int blocks, float* y, long yStride)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        float min0 = 0, min1 = 0, min2 = 0, min3 = 0;
        var low2 = Vector256.Create((byte)3);
        var low4 = Vector128.Create((byte)0x0F);
        for (int i = 0; i < blocks; i++, w += Q2_KBytes, a += Q8_KBytes)
        {
            var packed = Vector128.Load(w);
            var scales = packed & low4;
            var mins = Avx2.ConvertToVector256Int16(Sse2.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & low4);
            Vector256<int> sum0 = default, sum1 = default, sum2 = default, sum3 = default;
            for (int h = 0; h < 2; h++)
            {
                var q = Vector256.Load(w + Q2_KQuants + 32 * h);
                var q0 = q & low2;
                var q1 = ShiftRight16(q, 2) & low2;
                var q2 = ShiftRight16(q, 4) & low2;
                var q3 = ShiftRight16(q, 6) & low2;
                var s0 = GroupPairScales(scales, 4 * h);
                var s1 = GroupPairScales(scales, 4 * h + 1);
                var s2 = GroupPairScales(scales, 4 * h + 2);
                var s3 = GroupPairScales(scales, 4 * h + 3);
                long half = Q8_KQuants + 128 * h;
                sum0 += HalfBlockDot(q0, q1, q2, q3, s0, s1, s2, s3, (sbyte*)(a + half));
                sum1 += HalfBlockDot(q0, q1, q2, q3, s0, s1, s2, s3, (sbyte*)(a + aStride + half));
                sum2 += HalfBlockDot(q0, q1, q2, q3, s0, s1, s2, s3, (sbyte*)(a + 2 * aStride + half));
                sum3 += HalfBlockDot(q0, q1, q2, q3, s0, s1, s2, s3, (sbyte*)(a + 3 * aStride + half));
            }
            float d = Half(w + Q2_KD), dmin = Half(w + Q2_KDMin);
            Q2_KScale(sum0, mins, d, dmin, a, ref acc0, ref min0);
            Q2_KScale(sum1, mins, d, dmin, a + aStride, ref acc1, ref min1);
            Q2_KScale(sum2, mins, d, dmin, a + 2 * aStride, ref acc2, ref min2);
            Q2_KScale(sum3, mins, d, dmin, a + 3 * aStride, ref acc3, ref min3);
        }
        y[0] = Vector256.Sum(acc0) - min0;
        y[yStride] = Vector256.Sum(acc1) - min1;
        y[2 * yStride] = Vector256.Sum(acc2) - min2;
        y[3 * yStride] = Vector256.Sum(acc3) - min3;
    }

    // Four chunks of 32 unsigned quants (half a K block) against 128 activations, each chunk's two groups scaled by
    // their own scales (Q2_K, Q3_K).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> HalfBlockDot(Vector256<byte> q0, Vector256<byte> q1, Vector256<byte> q2, Vector256<byte> q3,
        Vector256<short> s0, Vector256<short> s1, Vector256<short> s2, Vector256<short> s3, sbyte* y)
        => (Int8Lanes.ScaledDot(q0, Vector256.Load(y), s0) + Int8Lanes.ScaledDot(q1, Vector256.Load(y + 32), s1))
            + (Int8Lanes.ScaledDot(q2, Vector256.Load(y + 64), s2) + Int8Lanes.ScaledDot(q3, Vector256.Load(y + 96), s3));

    // One token's block total: the scaled integer sum into acc, dmin·d_y·Σ m_g·bsum_g into minimums.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Q2_KScale(Vector256<int> sumi, Vector256<short> mins, float d, float dmin, byte* a, ref Vector256<float> acc, ref float minimums)
    {
        float yd = *(float*)a;
        acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sumi), Vector256.Create(d * yd), acc);
        minimums += dmin * yd * Vector256.Sum(Avx2.MultiplyAddAdjacent(mins, Vector256.Load((short*)(a + Q8_KSums))));
    }
}
