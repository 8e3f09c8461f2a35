using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// Prompts over the nibble types sixteen rows at a time on AVX-512 (Q4_0, Q4_1, Q5_0, Q5_1, and Q4_K and Q5_K by
/// sub-block): two blocks of eight rows unpacked as <see cref="NibbleRows"/> side by side in 512-bit vectors, so one
/// broadcast 4-byte group of a token's activations meets four weights of sixteen rows in one <c>vpmaddubsw</c>. The
/// eight-row kernels' per-token work (broadcasts, the offset or the sub-block scales, the conversion, the scaling and
/// the output's load and store) then serves sixteen rows; its instruction count, not the multiplies, had set their pace.
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
            && (type is TensorType.Q4_0 or TensorType.Q4_1 or TensorType.Q5_0 or TensorType.Q5_1
                || (tokens >= 4 && type is TensorType.Q4_K or TensorType.Q5_K));

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
            case TensorType.Q4_K:
                InTokenChunks(&KSixteenRowsTokens<Q4_KQuantsLayout>, w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            case TensorType.Q5_K:
                InTokenChunks(&KSixteenRowsTokens<Q5_KQuantsLayout>, w, rowBytes, a, aStride, blocks, tokens, y, yStride);
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

    // Q4_K and Q5_K the same way, in KEightRowsTokens' loop order: the eight-row codes of both halves side by side,
    // each 16-byte run of quants unpacked once for the chunk's tokens, a sub-block's products summed in int16 before
    // one vpmaddwd applies the sixteen rows' scales.
    private static void KSixteenRowsTokens<TQuants>(byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
        where TQuants : struct, IKQuants
    {
        var rows = new EightRowAddressing(rowBytes);
        long upperRows = 8L * rowBytes;
        var lowerCodes = stackalloc Vector256<short>[12];
        var upperCodes = stackalloc Vector256<short>[12];
        var codes = stackalloc Vector512<short>[12];   // eight sub-block scale vectors, then four minimum pairs
        var sums = stackalloc Vector512<int>[tokens];
        // The outputs wait here, contiguous: y's rows of a power-of-two width would all fall in one L1 set.
        var acc = stackalloc Vector512<float>[tokens];
        for (int t = 0; t < tokens; t++)
            acc[t] = Vector512<float>.Zero;
        for (int b = 0; b < blocks; b++, w += TQuants.BlockBytes, a += Q8_KBytes)
        {
            KEightRowCodes(w + Q4_KScales, rowBytes, lowerCodes, lowerCodes + 8);
            KEightRowCodes(w + upperRows + Q4_KScales, rowBytes, upperCodes, upperCodes + 8);
            for (int c = 0; c < 12; c++)
                codes[c] = Vector512.Create(lowerCodes[c], upperCodes[c]);
            for (int t = 0; t < tokens; t++)
                sums[t] = Vector512<int>.Zero;
            for (int k = 0; k < 4; k++)
            {
                for (int h = 0; h < 2; h++)
                {
                    var q = new WideNibbleRows(TQuants.Rows(w, rowBytes, k, h), TQuants.Rows(w + upperRows, rowBytes, k, h));
                    var low = codes[2 * k];
                    var high = codes[2 * k + 1];
                    byte* at = a + Q8_KQuants + 64 * k + 16 * h;
                    for (int t = 0; t < tokens; t++, at += aStride)
                    {
                        // The high nibbles' activations are 32 bytes after the low ones' (the next sub-block).
                        sums[t] += Avx512BW.MultiplyAddAdjacent(q.LowSum((int*)at), low)
                            + Avx512BW.MultiplyAddAdjacent(q.HighSum((int*)at + 8), high);
                    }
                }
            }
            var d = Vector512.Create(rows.Scales(w), rows.Scales(w + upperRows));
            var dmin = Vector512.Create(rows.Scales(w + 2), rows.Scales(w + upperRows + 2));
            byte* activation = a;
            for (int t = 0; t < tokens; t++, activation += aStride)
            {
                short* bsums = (short*)(activation + Q8_KSums);
                // Sub-block j's activation sum (two 16-value sums), as int16 pairs (j, j + 1) per 32-bit element.
                var subBlocks = Ssse3.HorizontalAdd(Vector128.Load(bsums), Vector128.Load(bsums + 8)).AsInt32();
                var minimums = Avx512BW.MultiplyAddAdjacent(codes[8], Vector512.Create(subBlocks.GetElement(0)).AsInt16())
                    + Avx512BW.MultiplyAddAdjacent(codes[9], Vector512.Create(subBlocks.GetElement(1)).AsInt16())
                    + Avx512BW.MultiplyAddAdjacent(codes[10], Vector512.Create(subBlocks.GetElement(2)).AsInt16())
                    + Avx512BW.MultiplyAddAdjacent(codes[11], Vector512.Create(subBlocks.GetElement(3)).AsInt16());
                var yd = Vector512.Create(*(float*)activation);
                var share = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(sums[t]), d * yd, acc[t]);
                acc[t] = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(minimums), -(dmin * yd), share);
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

        /// <summary>Σ low value·y over the 16 weights, as int16 pair sums (at most 4·2·31·127 each).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<short> LowSum(int* y)
            => Avx512BW.MultiplyAddAdjacent(_low0, Vector512.Create(y[0]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(_low1, Vector512.Create(y[1]).AsSByte())
                + Avx512BW.MultiplyAddAdjacent(_low2, Vector512.Create(y[2]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(_low3, Vector512.Create(y[3]).AsSByte());

        /// <summary>The same for the high values against <paramref name="y"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<short> HighSum(int* y)
            => Avx512BW.MultiplyAddAdjacent(_high0, Vector512.Create(y[0]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(_high1, Vector512.Create(y[1]).AsSByte())
                + Avx512BW.MultiplyAddAdjacent(_high2, Vector512.Create(y[2]).AsSByte()) + Avx512BW.MultiplyAddAdjacent(_high3, Vector512.Create(y[3]).AsSByte());
    }
}
