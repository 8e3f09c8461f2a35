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
}
