using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

internal static unsafe partial class IntegerDot
{
    // block_q8_K: f32 d, 256 × int8, 16 × int16 sums of 16 quants.
    private const int Q8_KBytes = 292, Q8_KQuants = 4, Q8_KSums = 260;

    // block_q6_K: ql[128] low nibbles, qh[64] top two bits, int8 scales[16] (one per 16 weights), f16 d.
    private const int Q6_KBytes = 210, Q6_KHigh = 128, Q6_KScales = 192, Q6_KD = 208;

    // pshufb masks putting group scales (g, g + 1) in the low / high eight bytes: the two 16-weight groups of
    // 32-weight chunk c = 4h + k.
    private static readonly Vector128<byte>[] s_q6ScalePairs = Q6ScalePairs();

    // A loop, not LINQ: LINQ over Vector128 is generic code no ReadyToRun image holds, a dozen methods compiled
    // while every model loads (this class's initializer runs when any integer kernel is created).
    private static Vector128<byte>[] Q6ScalePairs()
    {
        var pairs = new Vector128<byte>[8];
        for (int c = 0; c < pairs.Length; c++)
            pairs[c] = Vector128.Create(Vector64.Create((byte)(2 * c)), Vector64.Create((byte)(2 * c + 1)));
        return pairs;
    }

    // q = 6-bit unsigned (0…63); Σ (q − 32)·y·s = Σ q·y·s − 32·Σ_g s_g·bsum_g, the second term from Q8_K's sums of
    // 16 quants once per block (ggml subtracts maddubs(32, y) in every chunk instead).
    private static float Q6_Kx256(byte* w, byte* a, int blocks)
    {
        var acc = Vector256<float>.Zero;
        var low4 = Vector256.Create((byte)0x0F);
        var bits45 = Vector256.Create((byte)0x30);
        for (int i = 0; i < blocks; i++, w += Q6_KBytes, a += Q8_KBytes)
        {
            PrefetchLines(w + DecodePrefetch.Distance, Q6_KBytes);
            var scales = Vector128.Load(w + Q6_KScales);
            var offset = Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(scales.AsSByte()), Vector256.Load((short*)(a + Q8_KSums)));
            var sumi = Vector256<int>.Zero - Vector256.ShiftLeft(offset, 5);
            for (int h = 0; h < 2; h++)
            {
                var low1 = Vector256.Load(w + 64 * h);
                var low2 = Vector256.Load(w + 64 * h + 32);
                var high = Vector256.Load(w + Q6_KHigh + 32 * h);
                sbyte* y = (sbyte*)(a + Q8_KQuants + 128 * h);
                // Shifts on 16-bit lanes: the bits they carry across bytes fall outside each mask.
                var q0 = (low1 & low4) | (ShiftLeft16(high, 4) & bits45);
                var q1 = (low2 & low4) | (ShiftLeft16(high, 2) & bits45);
                var q2 = (ShiftRight16(low1, 4) & low4) | (high & bits45);
                var q3 = (ShiftRight16(low2, 4) & low4) | (ShiftRight16(high, 2) & bits45);
                sumi += GroupPairChunk(q0, Vector256.Load(y), scales, 4 * h);
                sumi += GroupPairChunk(q1, Vector256.Load(y + 32), scales, 4 * h + 1);
                sumi += GroupPairChunk(q2, Vector256.Load(y + 64), scales, 4 * h + 2);
                sumi += GroupPairChunk(q3, Vector256.Load(y + 96), scales, 4 * h + 3);
            }
            float d = Half(w + Q6_KD) * *(float*)a;
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sumi), Vector256.Create(d), acc);
        }
        return Vector256.Sum(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> ShiftLeft16(Vector256<byte> v, [ConstantExpected] byte count) => Avx2.ShiftLeftLogical(v.AsUInt16(), count).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> ShiftRight16(Vector256<byte> v, [ConstantExpected] byte count) => Avx2.ShiftRightLogical(v.AsUInt16(), count).AsByte();

    /// <summary>32 unsigned quants against 32 activations, the two 16-weight groups of chunk <paramref name="chunk"/>
    /// scaled by their own signed byte scales (Q6_K; Q2_K's 4-bit scales): 8 int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> GroupPairChunk(Vector256<byte> q, Vector256<sbyte> y, Vector128<byte> scales, int chunk)
        => Int8Lanes.ScaledDot(q, y, GroupPairScales(scales, chunk));

    /// <summary>The scales of chunk <paramref name="chunk"/>'s two 16-weight groups, eight int16 lanes each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> GroupPairScales(Vector128<byte> scales, int chunk)
        => Avx2.ConvertToVector256Int16(Ssse3.Shuffle(scales, s_q6ScalePairs[chunk]).AsSByte());
}
