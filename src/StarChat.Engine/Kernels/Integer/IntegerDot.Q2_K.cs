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
}
