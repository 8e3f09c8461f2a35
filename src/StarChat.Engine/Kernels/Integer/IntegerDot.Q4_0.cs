using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels.Integer;

internal static unsafe partial class IntegerDot
{
    // block_q4_0: f16 d, 16 bytes holding weight j in the low nibble of byte j and weight j + 16 in its high nibble.
    private const int Q4_0Bytes = 18;

    /// <summary>The 32 weights of a Q4_0 block as signed bytes −8…7, in element order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<sbyte> Q4_0Quants(byte* block)
        => Nibbles32(block + 2).AsSByte() - Vector256.Create((sbyte)8);

    /// <summary>16 bytes of the 32-weight block layout (weight j in the low nibble of byte j, weight j + 16 in its
    /// high nibble) as 32 unsigned bytes 0…15 in element order; Q4_0, Q4_1, Q5_0 and Q5_1 share it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Nibbles32(byte* packed)
    {
        var bytes = Vector128.Load(packed);
        return Vector256.Create(bytes, Vector128.ShiftRightLogical(bytes, 4)) & Vector256.Create((byte)0x0F);
    }

    private static float Q4_0x256(byte* w, byte* a, int blocks)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        int i = 0;
        for (; i + 2 <= blocks; i += 2, w += 2 * Q4_0Bytes, a += 2 * Q8_0Bytes)
        {
            var p0 = Int8Lanes.SignedDot(Q4_0Quants(w), Vector256.Load((sbyte*)(a + 2)));
            var p1 = Int8Lanes.SignedDot(Q4_0Quants(w + Q4_0Bytes), Vector256.Load((sbyte*)(a + Q8_0Bytes + 2)));
            acc0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p0), Vector256.Create(Half(w) * Half(a)), acc0);
            acc1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p1), Vector256.Create(Half(w + Q4_0Bytes) * Half(a + Q8_0Bytes)), acc1);
        }
        for (; i < blocks; i++, w += Q4_0Bytes, a += Q8_0Bytes)
        {
            var p = Int8Lanes.SignedDot(Q4_0Quants(w), Vector256.Load((sbyte*)(a + 2)));
            acc0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p), Vector256.Create(Half(w) * Half(a)), acc0);
        }
        return Vector256.Sum(acc0 + acc1);
    }

    private static float Q4_0x512(byte* w, byte* a, int blocks)
    {
        var acc = Vector512<float>.Zero;
        int i = 0;
        for (; i + 2 <= blocks; i += 2, w += 2 * Q4_0Bytes, a += 2 * Q8_0Bytes)
        {
            var x = Vector512.Create(Q4_0Quants(w), Q4_0Quants(w + Q4_0Bytes));
            var y = Vector512.Create(Vector256.Load((sbyte*)(a + 2)), Vector256.Load((sbyte*)(a + Q8_0Bytes + 2)));
            var scale = Vector512.Create(Vector256.Create(Half(w) * Half(a)), Vector256.Create(Half(w + Q4_0Bytes) * Half(a + Q8_0Bytes)));
            acc = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(Int8Lanes.SignedDot(x, y)), scale, acc);
        }
        float sum = Vector512.Sum(acc);
        return i < blocks ? sum + Q4_0x256(w, a, blocks - i) : sum;
    }
}
