using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// Q4_K and Q5_K eight rows at a time for prompts, in the file's layout, the way <see cref="EightRows"/> does Q4_0:
/// each 16-byte run of packed nibbles (with Q5_K's fifth bits added) is transposed so lane r holds row r, broadcast 4-byte activation groups multiply
/// all eight rows in one <c>vpmaddubsw</c>, and a sub-block's 32 products are summed in int16 before one
/// <c>vpmaddwd</c> applies the eight rows' scales. That is 20 multiplies per 512 products where one row at a time
/// needs 32 (a <c>vpmaddwd</c> with the scale after every <c>vpmaddubsw</c>), which is what bounds prompt speed.
/// </summary>
/// <remarks>
/// Per block the eight rows' 6-bit scale and minimum codes are transposed once (three unpack stages over 8 × 16
/// bytes) into one vector per sub-block: lane r = (s_rj, s_rj) as int16 for the scales, (m_rj, m_r,j+1) for the
/// minimums, whose share Σ_j m_rj·Σy_j is one <c>vpmaddwd</c> per pair of sub-blocks against the activation sums.
/// Integer sums are exactly the one-row kernel's and ggml's; only the f32 scaling order differs.
/// </remarks>
internal static unsafe partial class IntegerDot
{
    /// <summary>What differs between the Q4_K and Q5_K eight-row kernels: block size and how a
    /// 16-byte run of a block's quants becomes eight rows of unsigned values (nibbles, plus Q5_K's fifth bits).</summary>
    private interface IKQuants
    {
        static abstract int BlockBytes { get; }

        /// <summary>Bytes 16h…16h+15 of chunk <paramref name="k"/> in eight rows: sub-block 2k's weights 16h… as
        /// the low values, 2k + 1's as the high ones.</summary>
        static abstract NibbleRows Rows(byte* block, int rowBytes, int k, int h);
    }

    private readonly struct Q4_KQuantsLayout : IKQuants
    {
        public static int BlockBytes => Q4_KBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static NibbleRows Rows(byte* block, int rowBytes, int k, int h) => new(block + Q4_KQuants + 32 * k + 16 * h, rowBytes);
    }

    private readonly struct Q5_KQuantsLayout : IKQuants
    {
        public static int BlockBytes => Q5_KBytes;

        // Bit j of high byte l is the fifth bit of element l of sub-block j.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static NibbleRows Rows(byte* block, int rowBytes, int k, int h)
            => new(block + Q5_KQuants + 32 * k + 16 * h, block + Q5_KHigh + 16 * h, 2 * k, rowBytes);
    }

    // Prompts (four tokens or more, EightRowTokenChunk at a time), block by block: a block's codes and each 16-byte
    // run of its quants are unpacked once and used for every token, whose int32 sums wait in a small buffer, and so
    // do the eight rows' f32 outputs of each token until the last block.
    private static void KEightRowsTokens<TQuants>(byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
        where TQuants : struct, IKQuants
    {
        var rows = new EightRowAddressing(rowBytes);
        var codes = stackalloc Vector256<short>[12];  // eight sub-block scale vectors, then four minimum pairs
        var sums = stackalloc Vector256<int>[tokens];
        // The outputs wait here, contiguous: y's rows of a power-of-two width would all fall in one L1 set.
        var acc = stackalloc Vector256<float>[tokens];
        for (int t = 0; t < tokens; t++)
            acc[t] = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += TQuants.BlockBytes, a += Q8_KBytes)
        {
            KEightRowCodes(w + Q4_KScales, rowBytes, codes, codes + 8);
            for (int t = 0; t < tokens; t++)
                sums[t] = Vector256<int>.Zero;
            for (int k = 0; k < 4; k++)
            {
                for (int h = 0; h < 2; h++)
                {
                    var q = TQuants.Rows(w, rowBytes, k, h);
                    var low = codes[2 * k];
                    var high = codes[2 * k + 1];
                    byte* at = a + Q8_KQuants + 64 * k + 16 * h;
                    for (int t = 0; t < tokens; t++, at += aStride)
                        sums[t] += ScaledSubBlocks(q, (int*)at, low, high);
                }
            }
            var d = rows.Scales(w);
            var dmin = rows.Scales(w + 2);
            for (int t = 0; t < tokens; t++)
                KEightRowBlockEnd(acc + t, sums[t], a + t * aStride, d, dmin, codes + 8);
        }
        for (int t = 0; t < tokens; t++)
            acc[t].Store(y + t * yStride);
    }

    /// <summary>One token's products with 16 weights of two sub-blocks in eight rows, each sub-block scaled by its rows' scales.</summary>
    /// <remarks>The high nibbles' activations are 32 bytes after the low ones' (the next sub-block).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> ScaledSubBlocks(in NibbleRows q, int* y, Vector256<short> lowScales, Vector256<short> highScales)
        => Avx2.MultiplyAddAdjacent(q.LowSum(y), lowScales) + Avx2.MultiplyAddAdjacent(q.HighSum(y + 8), highScales);

    /// <summary>Adds a block's f32 share for eight rows to <paramref name="acc"/>: d·y_d·Σ_j s_j·(q·y)_j − dmin·y_d·Σ_j m_j·Σy_j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KEightRowBlockEnd(Vector256<float>* acc, Vector256<int> sums, byte* activation,
        Vector256<float> d, Vector256<float> dmin, Vector256<short>* minPairs)
    {
        short* bsums = (short*)(activation + Q8_KSums);
        // Sub-block j's activation sum (two 16-value sums), as int16 pairs (j, j + 1) per 32-bit element.
        var subBlocks = Ssse3.HorizontalAdd(Vector128.Load(bsums), Vector128.Load(bsums + 8)).AsInt32();
        var minimums = Avx2.MultiplyAddAdjacent(minPairs[0], Vector256.Create(subBlocks.GetElement(0)).AsInt16())
            + Avx2.MultiplyAddAdjacent(minPairs[1], Vector256.Create(subBlocks.GetElement(1)).AsInt16())
            + Avx2.MultiplyAddAdjacent(minPairs[2], Vector256.Create(subBlocks.GetElement(2)).AsInt16())
            + Avx2.MultiplyAddAdjacent(minPairs[3], Vector256.Create(subBlocks.GetElement(3)).AsInt16());
        var yd = Vector256.Create(*(float*)activation);
        var share = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sums), d * yd, *acc);
        *acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(minimums), -(dmin * yd), share);
    }

    /// <summary>
    /// The scale and minimum codes of one block in eight rows, transposed: <c>scales[j]</c> lane r = (s_rj, s_rj)
    /// and <c>minPairs[p]</c> lane r = (m_r,2p, m_r,2p+1), as int16 pairs.
    /// </summary>
    private static void KEightRowCodes(byte* packed, long rowBytes, Vector256<short>* scales, Vector256<short>* minPairs)
    {
        // Row r: bytes 0–7 its scales, 8–15 its minimums.
        var codes = stackalloc Vector128<byte>[8];
        for (int r = 0; r < 8; r++)
            codes[r] = KCodeBytes(packed + r * rowBytes);
        TransposeBytePairs(codes);
        for (int q = 0; q < 4; q++)
        {
            SpreadScales(codes[q], scales + 2 * q);
            minPairs[q] = MinimumPair(codes[4 + q]);
        }
    }

    /// <summary>
    /// Eight rows of 16 bytes, transposed in place by byte pairs: afterwards <c>rows[q]</c> holds byte 2q of rows
    /// 0–7, then byte 2q + 1 of rows 0–7 (three unpack stages: bytes of two rows, then four, then eight).
    /// </summary>
    private static void TransposeBytePairs(Vector128<byte>* rows)
    {
        // Byte j of rows 0 and 1 interleaved, j = 0…7 (from the low halves) or 8…15 (from the high halves).
        var low01 = Sse2.UnpackLow(rows[0], rows[1]).AsInt16();
        var low23 = Sse2.UnpackLow(rows[2], rows[3]).AsInt16();
        var low45 = Sse2.UnpackLow(rows[4], rows[5]).AsInt16();
        var low67 = Sse2.UnpackLow(rows[6], rows[7]).AsInt16();
        var high01 = Sse2.UnpackHigh(rows[0], rows[1]).AsInt16();
        var high23 = Sse2.UnpackHigh(rows[2], rows[3]).AsInt16();
        var high45 = Sse2.UnpackHigh(rows[4], rows[5]).AsInt16();
        var high67 = Sse2.UnpackHigh(rows[6], rows[7]).AsInt16();
        // Then byte j of rows 0–3 (j = 0–3 in the first results, 4–7 in the second), then of all eight rows.
        var a03 = Sse2.UnpackLow(low01, low23).AsInt32();
        var b03 = Sse2.UnpackHigh(low01, low23).AsInt32();
        var a47 = Sse2.UnpackLow(low45, low67).AsInt32();
        var b47 = Sse2.UnpackHigh(low45, low67).AsInt32();
        var c03 = Sse2.UnpackLow(high01, high23).AsInt32();
        var d03 = Sse2.UnpackHigh(high01, high23).AsInt32();
        var c47 = Sse2.UnpackLow(high45, high67).AsInt32();
        var d47 = Sse2.UnpackHigh(high45, high67).AsInt32();
        rows[0] = Sse2.UnpackLow(a03, a47).AsByte();
        rows[1] = Sse2.UnpackHigh(a03, a47).AsByte();
        rows[2] = Sse2.UnpackLow(b03, b47).AsByte();
        rows[3] = Sse2.UnpackHigh(b03, b47).AsByte();
        rows[4] = Sse2.UnpackLow(c03, c47).AsByte();
        rows[5] = Sse2.UnpackHigh(c03, c47).AsByte();
        rows[6] = Sse2.UnpackLow(d03, d47).AsByte();
        rows[7] = Sse2.UnpackHigh(d03, d47).AsByte();
    }

    // Codes j (bytes 0–7, rows 0–7) and j + 1 (bytes 8–15) → two vectors of (s_rj, s_rj) int16 pairs.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SpreadScales(Vector128<byte> codes, Vector256<short>* scales)
    {
        scales[0] = Avx2.ConvertToVector256Int16(Sse2.UnpackLow(codes, codes)).AsInt16();
        scales[1] = Avx2.ConvertToVector256Int16(Sse2.UnpackHigh(codes, codes)).AsInt16();
    }

    // Codes j (bytes 0–7) and j + 1 (bytes 8–15) → (m_rj, m_r,j+1) int16 pairs.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> MinimumPair(Vector128<byte> codes)
        => Avx2.ConvertToVector256Int16(Sse2.UnpackLow(codes, Sse2.ShiftRightLogical128BitLane(codes, 8))).AsInt16();
}
