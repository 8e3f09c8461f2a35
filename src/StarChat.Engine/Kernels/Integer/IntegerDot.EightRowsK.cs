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
    /// <summary>What differs between the Q4_K and Q5_K eight-row kernels: block size, the one-row kernel, and how a
    /// 16-byte run of a block's quants becomes eight rows of unsigned values (nibbles, plus Q5_K's fifth bits).</summary>
    private interface IKQuants
    {
        static abstract int BlockBytes { get; }

        static abstract float Row(byte* w, byte* a, int blocks);

        /// <summary>Bytes 16h…16h+15 of chunk <paramref name="k"/> in eight rows: sub-block 2k's weights 16h… as
        /// the low values, 2k + 1's as the high ones.</summary>
        static abstract NibbleRows Rows(byte* block, int rowBytes, int k, int h);
    }

    private readonly struct Q4_KQuantsLayout : IKQuants
    {
        public static int BlockBytes => Q4_KBytes;

        public static float Row(byte* w, byte* a, int blocks) => Q4_Kx256(w, a, blocks);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static NibbleRows Rows(byte* block, int rowBytes, int k, int h) => new(block + Q4_KQuants + 32 * k + 16 * h, rowBytes);
    }

    private readonly struct Q5_KQuantsLayout : IKQuants
    {
        public static int BlockBytes => Q5_KBytes;

        public static float Row(byte* w, byte* a, int blocks) => Q5_Kx256(w, a, blocks);

        // Bit j of high byte l is the fifth bit of element l of sub-block j.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static NibbleRows Rows(byte* block, int rowBytes, int k, int h)
            => new(block + Q5_KQuants + 32 * k + 16 * h, block + Q5_KHigh + 16 * h, 2 * k, rowBytes);
    }

    private static void KEightRows<TQuants>(byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
        where TQuants : struct, IKQuants
    {
        if (tokens < 4)
        {
            // Decoding streams the weights once; the one-row kernel keeps up with memory there.
            for (int t = 0; t < tokens; t++)
            {
                for (int r = 0; r < 8; r++)
                    y[t * yStride + r] = TQuants.Row(w + (long)r * rowBytes, a + t * aStride, blocks);
            }
            return;
        }
        for (int t = 0; t < tokens; t += EightRowTokenChunk)
            KEightRowsTokens<TQuants>(w, rowBytes, a + t * aStride, aStride, blocks, Math.Min(EightRowTokenChunk, tokens - t), y + t * yStride, yStride);
    }

    // Block by block: a block's codes and each 16-byte run of its quants are unpacked once and used for every
    // token, whose int32 sums wait in a small buffer; the eight rows' outputs of each token (eight consecutive
    // floats of y) accumulate in place.
    private static void KEightRowsTokens<TQuants>(byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
        where TQuants : struct, IKQuants
    {
        var rows = new EightRowAddressing(rowBytes);
        var codes = stackalloc Vector256<short>[12];  // eight sub-block scale vectors, then four minimum pairs
        var sums = stackalloc Vector256<int>[tokens];
        for (int t = 0; t < tokens; t++)
            Vector256<float>.Zero.Store(y + t * yStride);
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
                KEightRowBlockEnd(y + t * yStride, sums[t], a + t * aStride, d, dmin, codes + 8);
        }
    }

    /// <summary>Tokens whose int32 sums a prompt kernel keeps per block (32 bytes each, in L1).</summary>
    private const int EightRowTokenChunk = 64;

    /// <summary>One token's products with 16 weights of two sub-blocks in eight rows, each sub-block scaled by its rows' scales.</summary>
    /// <remarks>The high nibbles' activations are 32 bytes after the low ones' (the next sub-block).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> ScaledSubBlocks(in NibbleRows q, int* y, Vector256<short> lowScales, Vector256<short> highScales)
        => Avx2.MultiplyAddAdjacent(q.LowSum(y), lowScales) + Avx2.MultiplyAddAdjacent(q.HighSum(y + 8), highScales);

    /// <summary>Adds a block's f32 share for eight rows to <paramref name="y"/>: d·y_d·Σ_j s_j·(q·y)_j − dmin·y_d·Σ_j m_j·Σy_j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KEightRowBlockEnd(float* y, Vector256<int> sums, byte* activation,
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
        var acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sums), d * yd, Vector256.Load(y));
        Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(minimums), -(dmin * yd), acc).Store(y);
    }

    /// <summary>
    /// The scale and minimum codes of one block in eight rows, transposed: <c>scales[j]</c> lane r = (s_rj, s_rj)
    /// and <c>minPairs[p]</c> lane r = (m_r,2p, m_r,2p+1), as int16 pairs.
    /// </summary>
    private static void KEightRowCodes(byte* packed, long rowBytes, Vector256<short>* scales, Vector256<short>* minPairs)
    {
        // Row r: bytes 0–7 its scales, 8–15 its minimums.
        var c0 = KCodeBytes(packed);
        var c1 = KCodeBytes(packed + rowBytes);
        var c2 = KCodeBytes(packed + 2 * rowBytes);
        var c3 = KCodeBytes(packed + 3 * rowBytes);
        var c4 = KCodeBytes(packed + 4 * rowBytes);
        var c5 = KCodeBytes(packed + 5 * rowBytes);
        var c6 = KCodeBytes(packed + 6 * rowBytes);
        var c7 = KCodeBytes(packed + 7 * rowBytes);
        // Bytes: code j of rows 0 and 1 interleaved, j = 0…7 (scales from the low halves, minimums from the high).
        var s01 = Sse2.UnpackLow(c0, c1).AsInt16();
        var s23 = Sse2.UnpackLow(c2, c3).AsInt16();
        var s45 = Sse2.UnpackLow(c4, c5).AsInt16();
        var s67 = Sse2.UnpackLow(c6, c7).AsInt16();
        var m01 = Sse2.UnpackHigh(c0, c1).AsInt16();
        var m23 = Sse2.UnpackHigh(c2, c3).AsInt16();
        var m45 = Sse2.UnpackHigh(c4, c5).AsInt16();
        var m67 = Sse2.UnpackHigh(c6, c7).AsInt16();
        // Then code j of rows 0–3 (codes 0–3 in the low results, 4–7 in the high), then of all eight rows: each
        // result holds codes j and j + 1 of rows 0–7.
        var sLow03 = Sse2.UnpackLow(s01, s23).AsInt32();
        var sHigh03 = Sse2.UnpackHigh(s01, s23).AsInt32();
        var sLow47 = Sse2.UnpackLow(s45, s67).AsInt32();
        var sHigh47 = Sse2.UnpackHigh(s45, s67).AsInt32();
        var mLow03 = Sse2.UnpackLow(m01, m23).AsInt32();
        var mHigh03 = Sse2.UnpackHigh(m01, m23).AsInt32();
        var mLow47 = Sse2.UnpackLow(m45, m67).AsInt32();
        var mHigh47 = Sse2.UnpackHigh(m45, m67).AsInt32();
        SpreadScales(Sse2.UnpackLow(sLow03, sLow47).AsByte(), scales);
        SpreadScales(Sse2.UnpackHigh(sLow03, sLow47).AsByte(), scales + 2);
        SpreadScales(Sse2.UnpackLow(sHigh03, sHigh47).AsByte(), scales + 4);
        SpreadScales(Sse2.UnpackHigh(sHigh03, sHigh47).AsByte(), scales + 6);
        minPairs[0] = MinimumPair(Sse2.UnpackLow(mLow03, mLow47).AsByte());
        minPairs[1] = MinimumPair(Sse2.UnpackHigh(mLow03, mLow47).AsByte());
        minPairs[2] = MinimumPair(Sse2.UnpackLow(mHigh03, mHigh47).AsByte());
        minPairs[3] = MinimumPair(Sse2.UnpackHigh(mHigh03, mHigh47).AsByte());
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
