using System.Runtime.Intrinsics;
using StarChat.Engine.Quantization;

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
        var low4 = Vector256.Create((byte)0x0F);
        Span<short> scales = stackalloc short[8];
        float minimums = 0;
        for (int i = 0; i < blocks; i++, w += Q4_KBytes, a += Q8_KBytes)
        {
            int sumMins = KScalesAndMinSum(w + Q4_KScales, (short*)(a + Q8_KSums), scales);
            var sumi = Vector256<int>.Zero;
            for (int k = 0; k < 4; k++)
            {
                var packed = Vector256.Load(w + Q4_KQuants + 32 * k);
                sbyte* y = (sbyte*)(a + Q8_KQuants + 64 * k);
                sumi += Int8Lanes.ScaledDot(packed & low4, Vector256.Load(y), Vector256.Create(scales[2 * k]));
                sumi += Int8Lanes.ScaledDot(Vector256.ShiftRightLogical(packed, 4), Vector256.Load(y + 32), Vector256.Create(scales[2 * k + 1]));
            }
            float yd = *(float*)a;
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sumi), Vector256.Create(Half(w) * yd), acc);
            minimums += Half(w + 2) * yd * sumMins;
        }
        return Vector256.Sum(acc) - minimums;
    }

    private static float Q5_Kx256(byte* w, byte* a, int blocks)
    {
        var acc = Vector256<float>.Zero;
        var low4 = Vector256.Create((byte)0x0F);
        var one = Vector256.Create((byte)1);
        Span<short> scales = stackalloc short[8];
        float minimums = 0;
        for (int i = 0; i < blocks; i++, w += Q5_KBytes, a += Q8_KBytes)
        {
            int sumMins = KScalesAndMinSum(w + Q4_KScales, (short*)(a + Q8_KSums), scales);
            var high = Vector256.Load(w + Q5_KHigh);
            var sumi = Vector256<int>.Zero;
            for (int k = 0; k < 4; k++)
            {
                var packed = Vector256.Load(w + Q5_KQuants + 32 * k);
                var q0 = (packed & low4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(high, 2 * k) & one, 4);
                var q1 = Vector256.ShiftRightLogical(packed, 4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(high, 2 * k + 1) & one, 4);
                sbyte* y = (sbyte*)(a + Q8_KQuants + 64 * k);
                sumi += Int8Lanes.ScaledDot(q0, Vector256.Load(y), Vector256.Create(scales[2 * k]));
                sumi += Int8Lanes.ScaledDot(q1, Vector256.Load(y + 32), Vector256.Create(scales[2 * k + 1]));
            }
            float yd = *(float*)a;
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sumi), Vector256.Create(Half(w) * yd), acc);
            minimums += Half(w + 2) * yd * sumMins;
        }
        return Vector256.Sum(acc) - minimums;
    }

    /// <summary>Unpacks the eight sub-block scales into <paramref name="scales"/>; returns Σ_j m_j·(sum of the
    /// activations of sub-block j), the integer part of the minimums' contribution.</summary>
    private static int KScalesAndMinSum(byte* packed, short* sums, Span<short> scales)
    {
        var field = new ReadOnlySpan<byte>(packed, 12);
        int sumMins = 0;
        for (int j = 0; j < 8; j++)
        {
            var (scale, min) = KScales.Get(field, j);
            scales[j] = (short)scale;
            sumMins += (sums[2 * j] + sums[2 * j + 1]) * min;
        }
        return sumMins;
    }
}
