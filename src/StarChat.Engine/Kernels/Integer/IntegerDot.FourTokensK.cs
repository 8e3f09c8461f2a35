using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

internal static unsafe partial class IntegerDot
{
    // Q4_K against four tokens: nibbles and sub-block scales unpacked once per block, minimums per token.
    private static void Q4_Kx256FourTokens(byte* w, byte* a, long aStride, int blocks, float* y, long yStride)
    {
        var low4 = Vector256.Create((byte)0x0F);
        Span<float> minimums = stackalloc float[4];
        minimums.Clear();
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        for (int i = 0; i < blocks; i++, w += Q4_KBytes, a += Q8_KBytes)
        {
            KScaleCodes(w + Q4_KScales, out var scales, out var mins);
            var sumi0 = Vector256<int>.Zero;
            var sumi1 = Vector256<int>.Zero;
            var sumi2 = Vector256<int>.Zero;
            var sumi3 = Vector256<int>.Zero;
            for (int k = 0; k < 4; k++)
            {
                var packed = Vector256.Load(w + Q4_KQuants + 32 * k);
                var lo = packed & low4;
                var hi = Vector256.ShiftRightLogical(packed, 4);
                var scaleLo = Vector256.Create(scales.GetElement(2 * k));
                var scaleHi = Vector256.Create(scales.GetElement(2 * k + 1));
                int offset = Q8_KQuants + 64 * k;
                sumi0 += SubBlockPair(lo, hi, scaleLo, scaleHi, (sbyte*)(a + offset));
                sumi1 += SubBlockPair(lo, hi, scaleLo, scaleHi, (sbyte*)(a + aStride + offset));
                sumi2 += SubBlockPair(lo, hi, scaleLo, scaleHi, (sbyte*)(a + 2 * aStride + offset));
                sumi3 += SubBlockPair(lo, hi, scaleLo, scaleHi, (sbyte*)(a + 3 * aStride + offset));
            }
            float d = Half(w), dmin = Half(w + 2);
            acc0 = KBlockEnd(sumi0, d, dmin, a, mins, ref minimums[0], acc0);
            acc1 = KBlockEnd(sumi1, d, dmin, a + aStride, mins, ref minimums[1], acc1);
            acc2 = KBlockEnd(sumi2, d, dmin, a + 2 * aStride, mins, ref minimums[2], acc2);
            acc3 = KBlockEnd(sumi3, d, dmin, a + 3 * aStride, mins, ref minimums[3], acc3);
        }
        y[0] = Vector256.Sum(acc0) - minimums[0];
        y[yStride] = Vector256.Sum(acc1) - minimums[1];
        y[2 * yStride] = Vector256.Sum(acc2) - minimums[2];
        y[3 * yStride] = Vector256.Sum(acc3) - minimums[3];
    }

    private static Vector256<int> SubBlockPair(Vector256<byte> lo, Vector256<byte> hi, Vector256<short> scaleLo, Vector256<short> scaleHi, sbyte* y)
        => Int8Lanes.ScaledDot(lo, Vector256.Load(y), scaleLo) + Int8Lanes.ScaledDot(hi, Vector256.Load(y + 32), scaleHi);

    // Scales one token's block sum into its accumulator and adds its minimums' share (as Q4_Kx256 does).
    private static Vector256<float> KBlockEnd(Vector256<int> sumi, float d, float dmin, byte* activation,
        Vector128<short> mins, ref float minimums, Vector256<float> acc)
    {
        int sumMins = KMinSum(mins, (short*)(activation + Q8_KSums));
        float yd = *(float*)activation;
        minimums += dmin * yd * sumMins;
        return Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sumi), Vector256.Create(d * yd), acc);
    }

    // Q6_K against four tokens: the 6-bit quants and scale pairs unpacked once per 128 weights.
    private static void Q6_Kx256FourTokens(byte* w, byte* a, long aStride, int blocks, float* y, long yStride)
    {
        var low4 = Vector256.Create((byte)0x0F);
        var two = Vector256.Create((byte)3);
        var m32 = Vector256.Create((byte)32);
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        for (int i = 0; i < blocks; i++, w += Q6_KBytes, a += Q8_KBytes)
        {
            var scales = Vector128.Load(w + Q6_KScales);
            var sumi0 = Vector256<int>.Zero;
            var sumi1 = Vector256<int>.Zero;
            var sumi2 = Vector256<int>.Zero;
            var sumi3 = Vector256<int>.Zero;
            for (int h = 0; h < 2; h++)
            {
                var low1 = Vector256.Load(w + 64 * h);
                var low2 = Vector256.Load(w + 64 * h + 32);
                var high = Vector256.Load(w + Q6_KHigh + 32 * h);
                for (int k = 0; k < 4; k++)
                {
                    var q = k switch
                    {
                        0 => (low1 & low4) | Vector256.ShiftLeft(high & two, 4),
                        1 => (low2 & low4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(high, 2) & two, 4),
                        2 => Vector256.ShiftRightLogical(low1, 4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(high, 4) & two, 4),
                        _ => Vector256.ShiftRightLogical(low2, 4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(high, 6), 4),
                    };
                    var pair = Avx2.ConvertToVector256Int16(Ssse3.Shuffle(scales, s_q6ScalePairs[4 * h + k]).AsSByte());
                    int offset = Q8_KQuants + 128 * h + 32 * k;
                    sumi0 += Q6Centred(q, Vector256.Load((sbyte*)(a + offset)), m32, pair);
                    sumi1 += Q6Centred(q, Vector256.Load((sbyte*)(a + aStride + offset)), m32, pair);
                    sumi2 += Q6Centred(q, Vector256.Load((sbyte*)(a + 2 * aStride + offset)), m32, pair);
                    sumi3 += Q6Centred(q, Vector256.Load((sbyte*)(a + 3 * aStride + offset)), m32, pair);
                }
            }
            float d = Half(w + Q6_KD);
            acc0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sumi0), Vector256.Create(d * *(float*)a), acc0);
            acc1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sumi1), Vector256.Create(d * *(float*)(a + aStride)), acc1);
            acc2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sumi2), Vector256.Create(d * *(float*)(a + 2 * aStride)), acc2);
            acc3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sumi3), Vector256.Create(d * *(float*)(a + 3 * aStride)), acc3);
        }
        y[0] = Vector256.Sum(acc0);
        y[yStride] = Vector256.Sum(acc1);
        y[2 * yStride] = Vector256.Sum(acc2);
        y[3 * yStride] = Vector256.Sum(acc3);
    }

    private static Vector256<int> Q6Centred(Vector256<byte> q, Vector256<sbyte> y, Vector256<byte> m32, Vector256<short> pair)
        => Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(q, y) - Avx2.MultiplyAddAdjacent(m32, y), pair);
}
