using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// Prompts over the 32-weight nibble types (Q4_0, Q4_1, Q5_0, Q5_1) sixteen rows at a time on AVX-512: two blocks of
/// eight rows unpacked as <see cref="NibbleRows"/> side by side in 512-bit vectors, so one broadcast 4-byte group of
/// a token's activations meets four weights of sixteen rows in one <c>vpmaddubsw</c>. The eight-row kernel's
/// per-token work (broadcasts, the offset, the conversion, the scaling and the output's load and store) then serves
/// sixteen rows; its instruction count, not the multiplies, had set its pace.
/// </summary>
/// <remarks>
/// The int16 sums are the eight-row kernel's (<see cref="NibbleRows.Dot"/>, <see cref="NibbleRows.FiveBitDot"/>), so
/// the integer sums are still exactly ggml's. .NET 10 has no 512-bit VNNI, and <c>vpmaddubsw</c> + <c>vpmaddwd</c> on
/// 512 bits run as many multiplies per instruction as two 256-bit <c>vpdpbusd</c>.
/// </remarks>
internal static unsafe partial class IntegerDot
{
    /// <summary>True when <see cref="SixteenRows"/> has a kernel for <paramref name="type"/> on <paramref name="path"/>
    /// for <paramref name="tokens"/> tokens.</summary>
    public static bool HasSixteenRowKernel(TensorType type, KernelPath path, int tokens)
        => path == KernelPath.Vector512 && Avx512BW.IsSupported && tokens > 1
            && type is TensorType.Q4_0 or TensorType.Q4_1 or TensorType.Q5_0 or TensorType.Q5_1;

    /// <summary>
    /// Rows <c>w, w + rowBytes, …, w + 15·rowBytes</c> against <paramref name="tokens"/> tokens, as
    /// <see cref="EightRows"/> does for eight.
    /// </summary>
    public static void SixteenRows(TensorType type, byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
    {
        switch (type)
        {
            case TensorType.Q4_0:
                InTokenChunks(&NibbleSixteenRowsTokens<Q4_0NibbleLayout>, w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            case TensorType.Q4_1:
                InTokenChunks(&NibbleSixteenRowsTokens<Q4_1NibbleLayout>, w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            case TensorType.Q5_0:
                InTokenChunks(&NibbleSixteenRowsTokens<Q5_0NibbleLayout>, w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            case TensorType.Q5_1:
                InTokenChunks(&NibbleSixteenRowsTokens<Q5_1NibbleLayout>, w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            default:
                throw new NotSupportedException($"no sixteen-row kernel for {type}");
        }
    }

    private static void NibbleSixteenRowsTokens<TBlocks>(byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
        where TBlocks : struct, INibbleBlocks
    {
        var rows = new EightRowAddressing(rowBytes);
        byte* upper = w + 8L * rowBytes;
        // The outputs wait here, contiguous: y's rows of a power-of-two width would all fall in one L1 set.
        var acc = stackalloc Vector512<float>[tokens];
        for (int t = 0; t < tokens; t++)
            acc[t] = Vector512<float>.Zero;
        long extrasOffset = (long)blocks * TBlocks.ActivationBytes;
        for (int b = 0; b < blocks; b++, w += TBlocks.Bytes, upper += TBlocks.Bytes)
        {
            var q = new WideNibbleRows(TBlocks.Rows(w, rows, rowBytes), TBlocks.Rows(upper, rows, rowBytes));
            var (d0, m0) = rows.RebiasedPairs(w);
            var (d1, m1) = rows.RebiasedPairs(upper);
            Vector512<float> d = Vector512.Create(d0, d1), m = Vector512.Create(m0, m1);
            long blockOffset = (long)b * TBlocks.ActivationBytes;
            byte* tokenRow = a;
            for (int t = 0; t < tokens; t++, tokenRow += aStride)
            {
                byte* at = tokenRow + blockOffset;
                var isum = TBlocks.FiveBit ? q.FiveBitDot(at + TBlocks.QuantsAt) : q.Dot(at + TBlocks.QuantsAt);
                if (TBlocks.Offset)
                {
                    var extra = ((BlockExtra*)(tokenRow + extrasOffset))[b];
                    acc[t] = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(isum - Vector512.Create(extra.Offset)), d * extra.Scale, acc[t]);
                }
                else
                {
                    var share = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(isum), d * HalfRebiased(at), acc[t]);
                    acc[t] = Vector512.FusedMultiplyAdd(m, Vector512.Create(HalfRebiased(at + 2)), share);
                }
            }
        }
        for (int t = 0; t < tokens; t++)
            acc[t].Store(y + t * yStride);
    }

    /// <summary>Two <see cref="NibbleRows"/> (rows 0–7 in the low 256 bits, rows 8–15 in the high) for 512-bit products.</summary>
    private readonly struct WideNibbleRows
    {
        private readonly Vector512<byte> _low0, _low1, _low2, _low3, _high0, _high1, _high2, _high3;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public WideNibbleRows(in NibbleRows lower, in NibbleRows upper)
        {
            _low0 = Vector512.Create(lower.Low0, upper.Low0);
            _low1 = Vector512.Create(lower.Low1, upper.Low1);
            _low2 = Vector512.Create(lower.Low2, upper.Low2);
            _low3 = Vector512.Create(lower.Low3, upper.Low3);
            _high0 = Vector512.Create(lower.High0, upper.High0);
            _high1 = Vector512.Create(lower.High1, upper.High1);
            _high2 = Vector512.Create(lower.High2, upper.High2);
            _high3 = Vector512.Create(lower.High3, upper.High3);
        }

        /// <summary>Σ q·y over a block of nibbles (0…15) for the sixteen rows, y the block's 32 activations at
        /// <paramref name="quants"/>: eight products of at most 15·127·2 summed in int16.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<int> Dot(byte* quants)
        {
            int* y = (int*)quants;
            return Avx512BW.MultiplyAddAdjacent(LowSum(y) + HighSum(y + 4), Vector512<short>.One);
        }

        /// <summary>The same for five-bit values (0…31): four products fit an int16, eight do not.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<int> FiveBitDot(byte* quants)
        {
            int* y = (int*)quants;
            return Avx512BW.MultiplyAddAdjacent(LowSum(y), Vector512<short>.One) + Avx512BW.MultiplyAddAdjacent(HighSum(y + 4), Vector512<short>.One);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector512<short> LowSum(int* y)
            => Avx512BW.MultiplyAddAdjacent(_low0, Vector512.Create(y[0]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(_low1, Vector512.Create(y[1]).AsSByte())
                + Avx512BW.MultiplyAddAdjacent(_low2, Vector512.Create(y[2]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(_low3, Vector512.Create(y[3]).AsSByte());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector512<short> HighSum(int* y)
            => Avx512BW.MultiplyAddAdjacent(_high0, Vector512.Create(y[0]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(_high1, Vector512.Create(y[1]).AsSByte())
                + Avx512BW.MultiplyAddAdjacent(_high2, Vector512.Create(y[2]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(_high3, Vector512.Create(y[3]).AsSByte());
    }
}
