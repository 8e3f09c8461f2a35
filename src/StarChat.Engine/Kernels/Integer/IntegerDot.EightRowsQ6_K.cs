using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// Q6_K eight rows at a time for prompts (see <see cref="KEightRowsTokens{TQuants}"/> for the idea and the loop order). Each 16-byte run of
/// low-nibble bytes and of high-bit bytes is transposed so lane r holds row r, and four 16-weight sub-blocks are
/// rebuilt from them as unsigned 6-bit values (0…63). A sub-block's products are summed in int16 two groups at a
/// time (2·2·63·127 fits; four would not) before a <c>vpmaddwd</c> with the eight rows' scales. The −32 offset of
/// every value is taken off once per block as 32·Σ_j sc_j·Σy_j, from Q8_K's sixteen 16-value sums, instead of a
/// second <c>vpmaddubsw</c> per group.
/// </summary>
internal static unsafe partial class IntegerDot
{
    // Prompts (four tokens or more, EightRowTokenChunk at a time), block by block; each 16-byte run of the block is
    // unpacked once and used for every token, whose sums wait in a small buffer, and so do the eight rows' f32
    // outputs of each token until the last block.
    private static void Q6_KEightRowsTokens(byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
    {
        var rows = new EightRowAddressing(rowBytes);
        var scales = stackalloc Vector256<short>[24];  // sixteen (sc_j, sc_j) vectors, then eight (sc_2p, sc_2p+1) pairs
        var sums = stackalloc Vector256<int>[tokens];
        // The outputs wait here, contiguous: y's rows of a power-of-two width would all fall in one L1 set.
        var acc = stackalloc Vector256<float>[tokens];
        for (int t = 0; t < tokens; t++)
            acc[t] = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += Q6_KBytes, a += Q8_KBytes)
        {
            Q6_KEightRowScales(w + Q6_KScales, rowBytes, scales, scales + 16);
            for (int t = 0; t < tokens; t++)
                sums[t] = Vector256<int>.Zero;
            for (int h = 0; h < 2; h++)
            {
                for (int r = 0; r < 2; r++)
                {
                    // Low-nibble run `half` (0: ql bytes 16r… of this half, 1: 32 + 16r…) with its high bits: weights
                    // 128h + 32·half + 16r… (low nibbles, bits 2·half) and 128h + 64 + 32·half + 16r… (high
                    // nibbles, bits 4 + 2·half), sub-blocks 8h + 2·half + r and 8h + 4 + 2·half + r.
                    for (int half = 0; half < 2; half++)
                    {
                        var q = new SixBitRows(w + 64 * h + 32 * half + 16 * r, w + Q6_KHigh + 32 * h + 16 * r, 2 * half, rowBytes);
                        var low = scales[8 * h + 2 * half + r];
                        var high = scales[8 * h + 4 + 2 * half + r];
                        byte* at = a + Q8_KQuants + 128 * h + 32 * half + 16 * r;
                        for (int t = 0; t < tokens; t++, at += aStride)
                            sums[t] += q.ScaledDot((int*)at, low, high);
                    }
                }
            }
            var d = rows.Scales(w + Q6_KD);
            for (int t = 0; t < tokens; t++)
                Q6_KEightRowBlockEnd(acc + t, sums[t], a + t * aStride, d, scales + 16);
        }
        for (int t = 0; t < tokens; t++)
            acc[t].Store(y + t * yStride);
    }

    /// <summary>Adds d·y_d·(Σ_j sc_j·(q·y)_j − 32·Σ_j sc_j·Σy_j) for eight rows to <paramref name="acc"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Q6_KEightRowBlockEnd(Vector256<float>* acc, Vector256<int> sums, byte* activation, Vector256<float> d, Vector256<short>* pairs)
    {
        int* bsums = (int*)(activation + Q8_KSums);  // sixteen int16 sums, read as eight (2p, 2p + 1) pairs
        var offsets = Avx2.MultiplyAddAdjacent(pairs[0], Vector256.Create(bsums[0]).AsInt16())
            + Avx2.MultiplyAddAdjacent(pairs[1], Vector256.Create(bsums[1]).AsInt16())
            + Avx2.MultiplyAddAdjacent(pairs[2], Vector256.Create(bsums[2]).AsInt16())
            + Avx2.MultiplyAddAdjacent(pairs[3], Vector256.Create(bsums[3]).AsInt16())
            + Avx2.MultiplyAddAdjacent(pairs[4], Vector256.Create(bsums[4]).AsInt16())
            + Avx2.MultiplyAddAdjacent(pairs[5], Vector256.Create(bsums[5]).AsInt16())
            + Avx2.MultiplyAddAdjacent(pairs[6], Vector256.Create(bsums[6]).AsInt16())
            + Avx2.MultiplyAddAdjacent(pairs[7], Vector256.Create(bsums[7]).AsInt16());
        var total = sums - Vector256.ShiftLeft(offsets, 5);
        var yd = Vector256.Create(*(float*)activation);
        *acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(total), d * yd, *acc);
    }

    /// <summary>
    /// The sixteen int8 scales of one block in eight rows, transposed: <c>scales[j]</c> lane r = (sc_rj, sc_rj) and
    /// <c>pairs[p]</c> lane r = (sc_r,2p, sc_r,2p+1), as int16 pairs.
    /// </summary>
    private static void Q6_KEightRowScales(byte* packed, long rowBytes, Vector256<short>* scales, Vector256<short>* pairs)
    {
        var rows = stackalloc Vector128<byte>[8];
        for (int r = 0; r < 8; r++)
            rows[r] = Vector128.Load(packed + r * rowBytes);
        TransposeBytePairs(rows);
        for (int q = 0; q < 8; q++)
            SignedScalePair(rows[q].AsSByte(), scales + 2 * q, pairs + q);
    }

    // Scales j (bytes 0–7, rows 0–7) and j + 1 (bytes 8–15) → (sc_rj, sc_rj), (sc_r,j+1, sc_r,j+1) and (sc_rj, sc_r,j+1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SignedScalePair(Vector128<sbyte> codes, Vector256<short>* scales, Vector256<short>* pair)
    {
        scales[0] = Avx2.ConvertToVector256Int16(Sse2.UnpackLow(codes, codes));
        scales[1] = Avx2.ConvertToVector256Int16(Sse2.UnpackHigh(codes, codes));
        *pair = Avx2.ConvertToVector256Int16(Sse2.UnpackLow(codes, Sse2.ShiftRightLogical128BitLane(codes, 8)));
    }

    /// <summary>
    /// One 16-byte run of Q6_K low-nibble bytes in eight rows with the high-bit bytes that complete them: the low
    /// nibbles with bits <c>lowBit, lowBit + 1</c> and the high nibbles with bits <c>lowBit + 4, lowBit + 5</c> of
    /// the high-bit bytes, as 6-bit values, group by group (lane r = row r, see <see cref="Transposed16"/>).
    /// </summary>
    private readonly struct SixBitRows
    {
        private readonly Vector256<byte> _low0, _low1, _low2, _low3, _high0, _high1, _high2, _high3;

        /// <summary>The six-bit values in <see cref="NibbleRows"/>' places (for the sixteen-row kernel).</summary>
        public NibbleRows Values => new()
        {
            Low0 = _low0, Low1 = _low1, Low2 = _low2, Low3 = _low3,
            High0 = _high0, High1 = _high1, High2 = _high2, High3 = _high3,
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public SixBitRows(byte* nibbles, byte* highBits, int lowBit, int rowBytes)
        {
            Transposed16(nibbles, rowBytes, out var q0, out var q1, out var q2, out var q3);
            Transposed16(highBits, rowBytes, out var h0, out var h1, out var h2, out var h3);
            var mask = Vector256.Create((byte)0x0F);
            _low0 = (q0 & mask) | TopBits(h0, lowBit);
            _low1 = (q1 & mask) | TopBits(h1, lowBit);
            _low2 = (q2 & mask) | TopBits(h2, lowBit);
            _low3 = (q3 & mask) | TopBits(h3, lowBit);
            _high0 = (Vector256.ShiftRightLogical(q0.AsUInt16(), 4).AsByte() & mask) | TopBits(h0, lowBit + 4);
            _high1 = (Vector256.ShiftRightLogical(q1.AsUInt16(), 4).AsByte() & mask) | TopBits(h1, lowBit + 4);
            _high2 = (Vector256.ShiftRightLogical(q2.AsUInt16(), 4).AsByte() & mask) | TopBits(h2, lowBit + 4);
            _high3 = (Vector256.ShiftRightLogical(q3.AsUInt16(), 4).AsByte() & mask) | TopBits(h3, lowBit + 4);
        }

        // Bits `bit`, `bit + 1` of each byte moved to bits 4–5 (16-bit shifts; after the mask nothing crosses bytes).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<byte> TopBits(Vector256<byte> bits, int bit)
            => Vector256.ShiftLeft((Vector256.ShiftRightLogical(bits.AsUInt16(), bit).AsByte() & Vector256.Create((byte)3)).AsUInt16(), 4).AsByte();

        /// <summary>One token: the low values' 16 products scaled by <paramref name="lowScales"/> plus the high
        /// values' (their activations 64 bytes on) by <paramref name="highScales"/>; int16 sums two groups at a time.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<int> ScaledDot(int* y, Vector256<short> lowScales, Vector256<short> highScales)
        {
            int* z = y + 16;
            var low = Avx2.MultiplyAddAdjacent(Product(_low0, y[0]) + Product(_low1, y[1]), lowScales)
                + Avx2.MultiplyAddAdjacent(Product(_low2, y[2]) + Product(_low3, y[3]), lowScales);
            var high = Avx2.MultiplyAddAdjacent(Product(_high0, z[0]) + Product(_high1, z[1]), highScales)
                + Avx2.MultiplyAddAdjacent(Product(_high2, z[2]) + Product(_high3, z[3]), highScales);
            return low + high;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<short> Product(Vector256<byte> q, int y4) => Avx2.MultiplyAddAdjacent(q, Vector256.Create(y4).AsSByte());
    }
}
