using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels.Integer;

internal static unsafe partial class IntegerDot
{
    /// <summary>True when <see cref="RowFourTokens"/> has a kernel for <paramref name="type"/> on <paramref name="path"/>.
    /// They are 256-bit kernels on both vector rungs: on AVX-512 machines (Zen 4 splits 512-bit integer ops in two)
    /// reusing unpacked weights for four tokens is worth more than the wider vector.</summary>
    public static bool HasFourTokenKernel(TensorType type, KernelPath path)
        => path is KernelPath.Vector256 or KernelPath.Vector512 && Avx2.IsSupported
            && type is TensorType.Q8_0 or TensorType.Q4_0 or TensorType.Q4_1 or TensorType.Q5_0 or TensorType.Q5_1 or TensorType.Q2_K or TensorType.Q3_K or TensorType.Q4_K or TensorType.Q6_K;

    /// <summary>
    /// One weight row against four tokens (prompt processing): each block's weights are unpacked once and used four
    /// times. <c>y[k·yStride] = Σ w·a_k</c> where token k's activations start at <c>a + k·aStride</c>. Same integer
    /// sums and per-block scaling as <see cref="Row(TensorType, KernelPath, byte*, byte*, int)"/> token by token.
    /// </summary>
    public static void RowFourTokens(TensorType type, byte* w, byte* a, long aStride, int blocks, float* y, long yStride)
    {
        switch (type)
        {
            case TensorType.Q4_0: SignedFourTokens<Q4_0Blocks>(w, a, aStride, blocks, y, yStride); break;
            case TensorType.Q8_0: SignedFourTokens<Q8_0Blocks>(w, a, aStride, blocks, y, yStride); break;
            case TensorType.Q4_1: Q4_1x256FourTokens(w, a, aStride, blocks, y, yStride); break;
            case TensorType.Q5_0: SignedFourTokens<Q5_0Blocks>(w, a, aStride, blocks, y, yStride); break;
            case TensorType.Q5_1: Q5_1x256FourTokens(w, a, aStride, blocks, y, yStride); break;
            case TensorType.Q2_K: Q2_Kx256FourTokens(w, a, aStride, blocks, y, yStride); break;
            case TensorType.Q3_K: Q3_Kx256FourTokens(w, a, aStride, blocks, y, yStride); break;
            case TensorType.Q4_K: Q4_Kx256FourTokens(w, a, aStride, blocks, y, yStride); break;
            case TensorType.Q6_K: Q6_Kx256FourTokens(w, a, aStride, blocks, y, yStride); break;
            default: throw new NotSupportedException($"no four-token kernel for {type}");
        }
    }

    /// <summary>A block type whose weights are d·q with signed quants q, as the four-token kernel reads it.</summary>
    private interface ISignedBlocks
    {
        static abstract int Bytes { get; }

        /// <summary>The block's 32 quants as signed bytes, in element order.</summary>
        static abstract Vector256<sbyte> Quants(byte* block);
    }

    private readonly struct Q8_0Blocks : ISignedBlocks
    {
        public static int Bytes => Q8_0Bytes;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<sbyte> Quants(byte* block) => Vector256.Load((sbyte*)(block + 2));
    }

    private readonly struct Q4_0Blocks : ISignedBlocks
    {
        public static int Bytes => Q4_0Bytes;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<sbyte> Quants(byte* block) => Q4_0Quants(block);
    }

    private readonly struct Q5_0Blocks : ISignedBlocks
    {
        public static int Bytes => Q5_0Bytes;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<sbyte> Quants(byte* block) => Q5_0Quants(block, s_q5SpreadBytes, s_q5AllButBit);
    }

    private static void SignedFourTokens<TBlocks>(byte* w, byte* a, long aStride, int blocks, float* y, long yStride)
        where TBlocks : struct, ISignedBlocks
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        for (int i = 0; i < blocks; i++, w += TBlocks.Bytes, a += Q8_0Bytes)
        {
            var x = TBlocks.Quants(w);
            var ax = Avx2.Abs(x);
            float d = Half(w);
            acc0 = SignedBlock(ax, x, d, a, acc0);
            acc1 = SignedBlock(ax, x, d, a + aStride, acc1);
            acc2 = SignedBlock(ax, x, d, a + 2 * aStride, acc2);
            acc3 = SignedBlock(ax, x, d, a + 3 * aStride, acc3);
        }
        y[0] = Vector256.Sum(acc0);
        y[yStride] = Vector256.Sum(acc1);
        y[2 * yStride] = Vector256.Sum(acc2);
        y[3 * yStride] = Vector256.Sum(acc3);
    }

    // One Q8_0 activation block against weights x (|x| precomputed): acc + (Σ x·y)·(d·d_y), ggml's sign trick.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SignedBlock(Vector256<byte> ax, Vector256<sbyte> x, float d, byte* activation, Vector256<float> acc)
    {
        var p = Int8Lanes.UnsignedDot(ax, Avx2.Sign(Vector256.Load((sbyte*)(activation + 2)), x));
        return Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p), Vector256.Create(d * Half(activation)), acc);
    }
}
