using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

internal static unsafe partial class IntegerDot
{
    // block_q5_0: f16 d, uint32 qh (bit j = fifth bit of weight j), 16 bytes of nibbles laid out as Q4_0's;
    // weight = d·((nibble | fifth bit << 4) − 16).
    private const int Q5_0Bytes = 22, Q5_0High = 2, Q5_0Nibbles = 6;

    // vpshufb indices spreading qh's bytes 0–3 over eight bytes each, and per-byte masks with all bits but bit k set:
    // OR-ing them leaves 0xFF exactly where bit k of that byte's qh byte is set.
    private static readonly Vector256<byte> s_q5SpreadBytes = Vector256.Create(
        (byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);

    private static readonly Vector256<byte> s_q5AllButBit = Vector256.Create(0x7FBFDFEFF7FBFDFEUL).AsByte();

    /// <summary>The 32 weights of a Q5_0 block as signed bytes −16…15, in element order: the nibbles with 0xF0 OR-ed
    /// in where the fifth bit is clear (q − 16 in two's complement; q itself where it is set).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Q5_0Quants(byte* block, Vector256<byte> spread, Vector256<byte> allButBit)
    {
        var set = FifthBitsSet(block + Q5_0High, spread, allButBit);
        return (Nibbles32(block + Q5_0Nibbles) | Vector256.AndNot(Vector256.Create((byte)0xF0), set)).AsSByte();
    }

    /// <summary>0xFF in byte j where bit j of the 32-bit word at <paramref name="qh"/> is set (Q5_0's and Q5_1's
    /// fifth bits), else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> FifthBitsSet(byte* qh, Vector256<byte> spread, Vector256<byte> allButBit)
    {
        var high = Avx2.Shuffle(Vector256.Create(*(uint*)qh).AsByte(), spread);
        return Vector256.Equals(high | allButBit, Vector256<byte>.AllBitsSet);
    }

    private static float Q5_0x256(byte* w, byte* a, int blocks)
    {
        var spread = s_q5SpreadBytes;
        var allButBit = s_q5AllButBit;
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        int i = 0;
        for (; i + 2 <= blocks; i += 2, w += 2 * Q5_0Bytes, a += 2 * Q8_0Bytes)
        {
            Sse.Prefetch0(w + DecodePrefetch.Distance);
            var p0 = Int8Lanes.SignedDot(Q5_0Quants(w, spread, allButBit), Vector256.Load((sbyte*)(a + 2)));
            var p1 = Int8Lanes.SignedDot(Q5_0Quants(w + Q5_0Bytes, spread, allButBit), Vector256.Load((sbyte*)(a + Q8_0Bytes + 2)));
            acc0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p0), Vector256.Create(Half(w) * Half(a)), acc0);
            acc1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p1), Vector256.Create(Half(w + Q5_0Bytes) * Half(a + Q8_0Bytes)), acc1);
        }
        for (; i < blocks; i++, w += Q5_0Bytes, a += Q8_0Bytes)
        {
            var p = Int8Lanes.SignedDot(Q5_0Quants(w, spread, allButBit), Vector256.Load((sbyte*)(a + 2)));
            acc0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p), Vector256.Create(Half(w) * Half(a)), acc0);
        }
        return Vector256.Sum(acc0 + acc1);
    }
}
