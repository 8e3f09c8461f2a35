using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// Prompts over the nibble types sixteen rows at a time on AVX-512 (Q4_0, Q4_1, Q5_0, Q5_1, and Q4_K, Q5_K and Q6_K
/// by sub-block): two blocks of eight rows unpacked as <see cref="NibbleRows"/> side by side in 512-bit vectors, so one
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
                || (tokens >= 4 && type is TensorType.Q4_K or TensorType.Q5_K or TensorType.Q6_K));

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
            case TensorType.Q6_K:
                InTokenChunks(&Q6_KSixteenRowsTokens, w, rowBytes, a, aStride, blocks, tokens, y, yStride);
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
            var q = new WideRows(TBlocks.Rows(w, rows, rowBytes), TBlocks.Rows(upper, rows, rowBytes));
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
                    var q = new WideRows(TQuants.Rows(w, rowBytes, k, h), TQuants.Rows(w + upperRows, rowBytes, k, h));
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

    // Q6_K the same way, in Q6_KEightRowsTokens' loop order.
    private static void Q6_KSixteenRowsTokens(byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
    {
        var rows = new EightRowAddressing(rowBytes);
        long upperRows = 8L * rowBytes;
        var lowerScales = stackalloc Vector256<short>[24];
        var upperScales = stackalloc Vector256<short>[24];
        var scales = stackalloc Vector512<short>[24];  // sixteen (sc_j, sc_j) vectors, then eight (sc_2p, sc_2p+1) pairs
        var sums = stackalloc Vector512<int>[tokens];
        // The outputs wait here, contiguous: y's rows of a power-of-two width would all fall in one L1 set.
        var acc = stackalloc Vector512<float>[tokens];
        for (int t = 0; t < tokens; t++)
            acc[t] = Vector512<float>.Zero;
        for (int b = 0; b < blocks; b++, w += Q6_KBytes, a += Q8_KBytes)
        {
            Q6_KEightRowScales(w + Q6_KScales, rowBytes, lowerScales, lowerScales + 16);
            Q6_KEightRowScales(w + upperRows + Q6_KScales, rowBytes, upperScales, upperScales + 16);
            for (int c = 0; c < 24; c++)
                scales[c] = Vector512.Create(lowerScales[c], upperScales[c]);
            for (int t = 0; t < tokens; t++)
                sums[t] = Vector512<int>.Zero;
            for (int h = 0; h < 2; h++)
            {
                for (int r = 0; r < 2; r++)
                {
                    for (int half = 0; half < 2; half++)
                    {
                        byte* nibbles = w + 64 * h + 32 * half + 16 * r, highBits = w + Q6_KHigh + 32 * h + 16 * r;
                        var q = new WideRows(new SixBitRows(nibbles, highBits, 2 * half, rowBytes).Values,
                            new SixBitRows(nibbles + upperRows, highBits + upperRows, 2 * half, rowBytes).Values);
                        var low = scales[8 * h + 2 * half + r];
                        var high = scales[8 * h + 4 + 2 * half + r];
                        byte* at = a + Q8_KQuants + 128 * h + 32 * half + 16 * r;
                        for (int t = 0; t < tokens; t++, at += aStride)
                            sums[t] += q.SixBitScaledDot((int*)at, low, high);
                    }
                }
            }
            var d = Vector512.Create(rows.Scales(w + Q6_KD), rows.Scales(w + upperRows + Q6_KD));
            byte* activation = a;
            for (int t = 0; t < tokens; t++, activation += aStride)
            {
                int* bsums = (int*)(activation + Q8_KSums);  // sixteen int16 sums, read as eight (2p, 2p + 1) pairs
                var offsets = Vector512<int>.Zero;
                for (int p = 0; p < 8; p++)
                    offsets += Avx512BW.MultiplyAddAdjacent(scales[16 + p], Vector512.Create(bsums[p]).AsInt16());
                var total = sums[t] - Vector512.ShiftLeft(offsets, 5);
                acc[t] = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(total), d * Vector512.Create(*(float*)activation), acc[t]);
            }
        }
        for (int t = 0; t < tokens; t++)
            acc[t].Store(y + t * yStride);
    }

    /// <summary>Two <see cref="NibbleRows"/> (rows 0–7 in the low 256 bits, rows 8–15 in the high) for 512-bit
    /// products: nibbles, five-bit values, or Q6_K's six-bit values (<see cref="SixBitRows.Values"/>).</summary>
    private readonly struct WideRows
    {
        private readonly Vector512<byte> _low0, _low1, _low2, _low3, _high0, _high1, _high2, _high3;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public WideRows(in NibbleRows lower, in NibbleRows upper)
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

        /// <summary><see cref="SixBitRows.ScaledDot"/> for sixteen rows: int16 sums two groups at a time.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<int> SixBitScaledDot(int* y, Vector512<short> lowScales, Vector512<short> highScales)
        {
            int* z = y + 16;
            var low = Avx512BW.MultiplyAddAdjacent(Product(_low0, y[0]) + Product(_low1, y[1]), lowScales)
                + Avx512BW.MultiplyAddAdjacent(Product(_low2, y[2]) + Product(_low3, y[3]), lowScales);
            var high = Avx512BW.MultiplyAddAdjacent(Product(_high0, z[0]) + Product(_high1, z[1]), highScales)
                + Avx512BW.MultiplyAddAdjacent(Product(_high2, z[2]) + Product(_high3, z[3]), highScales);
            return low + high;
        }

        /// <summary>Σ low value·y over the 16 weights, as int16 pair sums (at most 4·2·31·127 each).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<short> LowSum(int* y) => Product(_low0, y[0]) + Product(_low1, y[1]) + Product(_low2, y[2]) + Product(_low3, y[3]);

        /// <summary>The same for the high values against <paramref name="y"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<short> HighSum(int* y) => Product(_high0, y[0]) + Product(_high1, y[1]) + Product(_high2, y[2]) + Product(_high3, y[3]);

        // Four values of each row times a broadcast group of four activations, as int16 pair sums.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<short> Product(Vector512<byte> q, int y4) => Avx512BW.MultiplyAddAdjacent(q, Vector512.Create(y4).AsSByte());
    }
}
