using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

internal static unsafe partial class IntegerDot
{
    // block_q4_1: f16 d, f16 m, 16 bytes of nibbles as Q4_0's; weight = d·q + m (q = 0…15).
    // block_q5_1: f16 d, f16 m, uint32 qh, 16 bytes of nibbles; weight = d·(nibble | fifth bit << 4) + m.
    // block_q8_1: f16 d, f16 s = d·Σq, 32 int8 — so Σ w·y = d_w·d_y·Σ q·y + m·s.
    private const int Q4_1Bytes = 20, Q4_1Nibbles = 4;
    private const int Q5_1Bytes = 24, Q5_1High = 4, Q5_1Nibbles = 8;
    private const int Q8_1Bytes = 36, Q8_1Quants = 4;

    private static float Q4_1x256(byte* w, byte* a, int blocks)
    {
        var acc = Vector256<float>.Zero;
        float minimums = 0;
        for (int i = 0; i < blocks; i++, w += Q4_1Bytes, a += Q8_1Bytes)
        {
            if ((i & 1) == 0)
                Sse.Prefetch0(w + DecodePrefetch.Distance);
            var p = Int8Lanes.UnsignedDot(Nibbles32(w + Q4_1Nibbles), Vector256.Load((sbyte*)(a + Q8_1Quants)));
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p), Vector256.Create(Half(w) * Half(a)), acc);
            minimums += Half(w + 2) * Half(a + 2);
        }
        return Vector256.Sum(acc) + minimums;
    }

    private static float Q5_1x256(byte* w, byte* a, int blocks)
    {
        var spread = s_q5SpreadBytes;
        var allButBit = s_q5AllButBit;
        var acc = Vector256<float>.Zero;
        float minimums = 0;
        var bit4 = Vector256.Create((byte)0x10);
        for (int i = 0; i < blocks; i++, w += Q5_1Bytes, a += Q8_1Bytes)
        {
            if ((i & 1) == 0)
                Sse.Prefetch0(w + DecodePrefetch.Distance);
            var set = FifthBitsSet(w + Q5_1High, spread, allButBit);
            var p = Int8Lanes.UnsignedDot(Nibbles32(w + Q5_1Nibbles) | (set & bit4), Vector256.Load((sbyte*)(a + Q8_1Quants)));
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p), Vector256.Create(Half(w) * Half(a)), acc);
            minimums += Half(w + 2) * Half(a + 2);
        }
        return Vector256.Sum(acc) + minimums;
    }

    private static void Q4_1x256FourTokens(byte* w, byte* a, long aStride, int blocks, float* y, long yStride)
    {
        var four = new FourTokenSums();
        for (int i = 0; i < blocks; i++, w += Q4_1Bytes, a += Q8_1Bytes)
            four.Add(Nibbles32(w + Q4_1Nibbles), w, a, aStride);
        four.Store(y, yStride);
    }

    private static void Q5_1x256FourTokens(byte* w, byte* a, long aStride, int blocks, float* y, long yStride)
    {
        var spread = s_q5SpreadBytes;
        var allButBit = s_q5AllButBit;
        var bit4 = Vector256.Create((byte)0x10);
        var four = new FourTokenSums();
        for (int i = 0; i < blocks; i++, w += Q5_1Bytes, a += Q8_1Bytes)
            four.Add(Nibbles32(w + Q5_1Nibbles) | (FifthBitsSet(w + Q5_1High, spread, allButBit) & bit4), w, a, aStride);
        four.Store(y, yStride);
    }

    /// <summary>Four tokens' running sums for the types with a minimum (Q4_1, Q5_1) against Q8_1 activations: the
    /// unsigned quants of one block are unpacked once and used four times.</summary>
    private struct FourTokenSums
    {
        private Vector256<float> _acc0, _acc1, _acc2, _acc3;
        private float _min0, _min1, _min2, _min3;

        /// <summary>Block quants <paramref name="q"/> (0…31) with d and m at <paramref name="w"/>, against token k's block at a + k·stride.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(Vector256<byte> q, byte* w, byte* a, long stride)
        {
            float d = Half(w), m = Half(w + 2);
            Token(q, d, m, a, ref _acc0, ref _min0);
            Token(q, d, m, a + stride, ref _acc1, ref _min1);
            Token(q, d, m, a + 2 * stride, ref _acc2, ref _min2);
            Token(q, d, m, a + 3 * stride, ref _acc3, ref _min3);
        }

        public readonly void Store(float* y, long stride)
        {
            y[0] = Vector256.Sum(_acc0) + _min0;
            y[stride] = Vector256.Sum(_acc1) + _min1;
            y[2 * stride] = Vector256.Sum(_acc2) + _min2;
            y[3 * stride] = Vector256.Sum(_acc3) + _min3;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Token(Vector256<byte> q, float d, float m, byte* a, ref Vector256<float> acc, ref float minimums)
        {
            var p = Int8Lanes.UnsignedDot(q, Vector256.Load((sbyte*)(a + Q8_1Quants)));
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p), Vector256.Create(d * Half(a)), acc);
            minimums += m * Half(a + 2);
        }
    }
}
