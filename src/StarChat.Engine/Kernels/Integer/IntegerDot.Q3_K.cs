using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

internal static unsafe partial class IntegerDot
{
    // block_q3_K: 32 bytes of high bits (weight i's in bit i/32 of byte i%32), 64 bytes of low 2 bits laid out as
    // Q2_K's, sixteen 6-bit group scales biased by 32 in 12 bytes, f16 d. The quant is low2 + 4·high − 4: the kernels
    // dot the unsigned low2 + 4·high (0…7) and take the −4 back once per block as −4·Σ_g s_g·bsum_g from Q8_K's sums
    // of 16 quants (ggml's AVX2 dot subtracts a second maddubs in every chunk instead).
    private const int Q3_KBytes = 110, Q3_KLow = 32, Q3_KScales = 96, Q3_KD = 108;

    private static float Q3_Kx256(byte* w, byte* a, int blocks)
    {
        var acc = Vector256<float>.Zero;
        var low2 = Vector256.Create((byte)3);
        var bit2 = Vector256.Create((byte)4);
        for (int i = 0; i < blocks; i++, w += Q3_KBytes, a += Q8_KBytes)
        {
            PrefetchLines(w + DecodePrefetch.Distance, Q3_KBytes);
            var scales = Q3_KScaleBytes(w + Q3_KScales);
            var high = Vector256.Load(w);
            var sumi = Vector256<int>.Zero;
            for (int h = 0; h < 2; h++, high = ShiftRight16(high, 4))
            {
                var q = Vector256.Load(w + Q3_KLow + 32 * h);
                sbyte* y = (sbyte*)(a + Q8_KQuants + 128 * h);
                // Chunk k's high bits are bit 4h + k of each byte: bit k of `high`, moved to bit 2.
                sumi += GroupPairChunk((q & low2) | (ShiftLeft16(high, 2) & bit2), Vector256.Load(y), scales, 4 * h);
                sumi += GroupPairChunk((ShiftRight16(q, 2) & low2) | (ShiftLeft16(high, 1) & bit2), Vector256.Load(y + 32), scales, 4 * h + 1);
                sumi += GroupPairChunk((ShiftRight16(q, 4) & low2) | (high & bit2), Vector256.Load(y + 64), scales, 4 * h + 2);
                sumi += GroupPairChunk((ShiftRight16(q, 6) & low2) | (ShiftRight16(high, 1) & bit2), Vector256.Load(y + 96), scales, 4 * h + 3);
            }
            Q3_KBlockEnd(sumi, Q3_KWideScales(scales), Half(w + Q3_KD), a, ref acc);
        }
        return Vector256.Sum(acc);
    }

    /// <summary>One Q3_K row against four tokens (prompts): each half-block's quants and group scales are unpacked
    /// once and used four times.</summary>
    private static void Q3_Kx256FourTokens(byte* w, byte* a, long aStride, int blocks, float* y, long yStride)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        var low2 = Vector256.Create((byte)3);
        var bit2 = Vector256.Create((byte)4);
        for (int i = 0; i < blocks; i++, w += Q3_KBytes, a += Q8_KBytes)
        {
            var scales = Q3_KScaleBytes(w + Q3_KScales);
            var high = Vector256.Load(w);
            Vector256<int> sum0 = default, sum1 = default, sum2 = default, sum3 = default;
            for (int h = 0; h < 2; h++, high = ShiftRight16(high, 4))
            {
                var q = Vector256.Load(w + Q3_KLow + 32 * h);
                var q0 = (q & low2) | (ShiftLeft16(high, 2) & bit2);
                var q1 = (ShiftRight16(q, 2) & low2) | (ShiftLeft16(high, 1) & bit2);
                var q2 = (ShiftRight16(q, 4) & low2) | (high & bit2);
                var q3 = (ShiftRight16(q, 6) & low2) | (ShiftRight16(high, 1) & bit2);
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
            var wide = Q3_KWideScales(scales);
            float d = Half(w + Q3_KD);
            Q3_KBlockEnd(sum0, wide, d, a, ref acc0);
            Q3_KBlockEnd(sum1, wide, d, a + aStride, ref acc1);
            Q3_KBlockEnd(sum2, wide, d, a + 2 * aStride, ref acc2);
            Q3_KBlockEnd(sum3, wide, d, a + 3 * aStride, ref acc3);
        }
        y[0] = Vector256.Sum(acc0);
        y[yStride] = Vector256.Sum(acc1);
        y[2 * yStride] = Vector256.Sum(acc2);
        y[3 * yStride] = Vector256.Sum(acc3);
    }

    /// <summary>The sixteen group scales unbiased to −32…31 (as bytes): low nibbles of groups 0…7 and 8…15 in bytes
    /// 0…7, the top two bits of group g in bits 2·(g/4) of byte 8 + g%4. Read as 8 + 4 bytes, never past the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Q3_KScaleBytes(byte* p)
    {
        const ulong Nibbles = 0x0F0F0F0F0F0F0F0F;
        const uint Pairs = 0x03030303;
        ulong low = Unsafe.ReadUnaligned<ulong>(p);
        uint top = Unsafe.ReadUnaligned<uint>(p + 8);
        ulong high0 = (top & Pairs) | ((ulong)((top >> 2) & Pairs) << 32);
        ulong high1 = ((top >> 4) & Pairs) | ((ulong)((top >> 6) & Pairs) << 32);
        return Vector128.Create((low & Nibbles) | (high0 << 4), ((low >> 4) & Nibbles) | (high1 << 4)).AsByte() - Vector128.Create((byte)32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Q3_KWideScales(Vector128<byte> scales) => Avx2.ConvertToVector256Int16(scales.AsSByte());

    // One token's block total into acc: d·d_y·(Σ s_g·Σ (q + 4)·y − 4·Σ_g s_g·bsum_g); the integers are exact.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Q3_KBlockEnd(Vector256<int> sumi, Vector256<short> scales, float d, byte* a, ref Vector256<float> acc)
    {
        int offset = 4 * Vector256.Sum(Avx2.MultiplyAddAdjacent(scales, Vector256.Load((short*)(a + Q8_KSums))));
        acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sumi - Vector256.CreateScalar(offset)), Vector256.Create(d * *(float*)a), acc);
    }
}
