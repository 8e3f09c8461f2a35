using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

internal static unsafe partial class IntegerDot
{
    // block_q8_0: f16 d, 32 × int8. Weights and activations share the layout.
    private const int Q8_0Bytes = 34;

    private static float Q8_0x256(byte* w, byte* a, int blocks)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        int i = 0;
        // Two independent chains hide the FMA latency. Decoding streams the rows through here: a line (two blocks) per
        // step is fetched DecodePrefetch.Distance ahead.
        for (; i + 2 <= blocks; i += 2, w += 2 * Q8_0Bytes, a += 2 * Q8_0Bytes)
        {
            Sse.Prefetch0(w + DecodePrefetch.Distance);
            var p0 = Int8Lanes.SignedDot(Vector256.Load((sbyte*)(w + 2)), Vector256.Load((sbyte*)(a + 2)));
            var p1 = Int8Lanes.SignedDot(Vector256.Load((sbyte*)(w + Q8_0Bytes + 2)), Vector256.Load((sbyte*)(a + Q8_0Bytes + 2)));
            acc0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p0), Vector256.Create(Half(w) * Half(a)), acc0);
            acc1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p1), Vector256.Create(Half(w + Q8_0Bytes) * Half(a + Q8_0Bytes)), acc1);
        }
        for (; i < blocks; i++, w += Q8_0Bytes, a += Q8_0Bytes)
        {
            var p = Int8Lanes.SignedDot(Vector256.Load((sbyte*)(w + 2)), Vector256.Load((sbyte*)(a + 2)));
            acc0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p), Vector256.Create(Half(w) * Half(a)), acc0);
        }
        return Vector256.Sum(acc0 + acc1);
    }

    // Two blocks per 512-bit vector: block 2k in the low half, 2k + 1 in the high half, each with its own scale.
    private static float Q8_0x512(byte* w, byte* a, int blocks)
    {
        var acc = Vector512<float>.Zero;
        int i = 0;
        for (; i + 2 <= blocks; i += 2, w += 2 * Q8_0Bytes, a += 2 * Q8_0Bytes)
        {
            Sse.Prefetch0(w + DecodePrefetch.Distance);
            var x = Vector512.Create(Vector256.Load((sbyte*)(w + 2)), Vector256.Load((sbyte*)(w + Q8_0Bytes + 2)));
            var y = Vector512.Create(Vector256.Load((sbyte*)(a + 2)), Vector256.Load((sbyte*)(a + Q8_0Bytes + 2)));
            var scale = Vector512.Create(Vector256.Create(Half(w) * Half(a)), Vector256.Create(Half(w + Q8_0Bytes) * Half(a + Q8_0Bytes)));
            acc = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(Int8Lanes.SignedDot(x, y)), scale, acc);
        }
        float sum = Vector512.Sum(acc);
        return i < blocks ? sum + Q8_0x256(w, a, blocks - i) : sum;
    }
}
