using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// Q2_K eight rows at a time for prompts (see <see cref="KEightRowsTokens{TQuants}"/> for the idea and the loop order). Each
/// 16-byte run of 2-bit quants is transposed so lane r holds row r, and each of its four bit pairs is one 16-weight
/// sub-block (0…3 per weight), summed in int16 over its four groups before a <c>vpmaddwd</c> with the eight rows'
/// 4-bit scales. The minimums are taken off once per block as dmin·Σ_j m_j·Σy_j, from Q8_K's sixteen 16-value sums.
/// Integer sums are exactly ggml's; only the f32 scaling order differs.
/// </summary>
internal static unsafe partial class IntegerDot
{
    // Prompts (four tokens or more, EightRowTokenChunk at a time), block by block; each 16-byte run of the block is
    // unpacked once and used for every token, whose sums wait in a small buffer, and so do the eight rows' f32
    // outputs of each token until the last block.
    private static void Q2_KEightRowsTokens(byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
    {
        var rows = new EightRowAddressing(rowBytes);
        var codes = stackalloc Vector256<short>[24];  // sixteen (s_j, s_j) vectors, then eight (m_2p, m_2p+1) pairs
        var sums = stackalloc Vector256<int>[tokens];
        // The outputs wait here, contiguous: y's rows of a power-of-two width would all fall in one L1 set.
        var acc = stackalloc Vector256<float>[tokens];
        for (int t = 0; t < tokens; t++)
            acc[t] = Vector256<float>.Zero;
        var two = Vector256.Create((byte)3);
        for (int b = 0; b < blocks; b++, w += Q2_KBytes, a += Q8_KBytes)
        {
            Q2_KEightRowCodes(w, rowBytes, codes, codes + 16);
            for (int t = 0; t < tokens; t++)
                sums[t] = Vector256<int>.Zero;
            // Byte j of the 32-byte run n holds weights 128n + 32l + j in its bit pairs l = 0…3; its two 16-byte
            // halves h are sub-blocks 8n + 2l + h.
            for (int n = 0; n < 2; n++)
            {
                for (int h = 0; h < 2; h++)
                {
                    Transposed16(w + Q2_KQuants + 32 * n + 16 * h, rowBytes, out var q0, out var q1, out var q2, out var q3);
                    for (int l = 0; l < 4; l++)
                    {
                        var v0 = Vector256.ShiftRightLogical(q0.AsUInt16(), 2 * l).AsByte() & two;
                        var v1 = Vector256.ShiftRightLogical(q1.AsUInt16(), 2 * l).AsByte() & two;
                        var v2 = Vector256.ShiftRightLogical(q2.AsUInt16(), 2 * l).AsByte() & two;
                        var v3 = Vector256.ShiftRightLogical(q3.AsUInt16(), 2 * l).AsByte() & two;
                        var scale = codes[8 * n + 2 * l + h];
                        byte* at = a + Q8_KQuants + 128 * n + 32 * l + 16 * h;
                        for (int t = 0; t < tokens; t++, at += aStride)
                        {
                            int* x = (int*)at;
                            // Four products of at most 3·127·2 each: the sub-block's int16 sum cannot overflow.
                            var pairs = Avx2.MultiplyAddAdjacent(v0, Vector256.Create(x[0]).AsSByte())
                                + Avx2.MultiplyAddAdjacent(v1, Vector256.Create(x[1]).AsSByte())
                                + Avx2.MultiplyAddAdjacent(v2, Vector256.Create(x[2]).AsSByte())
                                + Avx2.MultiplyAddAdjacent(v3, Vector256.Create(x[3]).AsSByte());
                            sums[t] += Avx2.MultiplyAddAdjacent(pairs, scale);
                        }
                    }
                }
            }
            var d = rows.Scales(w + Q2_KD);
            var dmin = rows.Scales(w + Q2_KDMin);
            for (int t = 0; t < tokens; t++)
                Q2_KEightRowBlockEnd(acc + t, sums[t], a + t * aStride, d, dmin, codes + 16);
        }
        for (int t = 0; t < tokens; t++)
            acc[t].Store(y + t * yStride);
    }

    /// <summary>Adds d·y_d·Σ_j s_j·(q·y)_j − dmin·y_d·Σ_j m_j·Σy_j for eight rows to <paramref name="acc"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Q2_KEightRowBlockEnd(Vector256<float>* acc, Vector256<int> sums, byte* activation,
        Vector256<float> d, Vector256<float> dmin, Vector256<short>* minPairs)
    {
        int* bsums = (int*)(activation + Q8_KSums);  // sixteen int16 sums, read as eight (2p, 2p + 1) pairs
        var minimums = Avx2.MultiplyAddAdjacent(minPairs[0], Vector256.Create(bsums[0]).AsInt16())
            + Avx2.MultiplyAddAdjacent(minPairs[1], Vector256.Create(bsums[1]).AsInt16())
            + Avx2.MultiplyAddAdjacent(minPairs[2], Vector256.Create(bsums[2]).AsInt16())
            + Avx2.MultiplyAddAdjacent(minPairs[3], Vector256.Create(bsums[3]).AsInt16())
            + Avx2.MultiplyAddAdjacent(minPairs[4], Vector256.Create(bsums[4]).AsInt16())
            + Avx2.MultiplyAddAdjacent(minPairs[5], Vector256.Create(bsums[5]).AsInt16())
            + Avx2.MultiplyAddAdjacent(minPairs[6], Vector256.Create(bsums[6]).AsInt16())
            + Avx2.MultiplyAddAdjacent(minPairs[7], Vector256.Create(bsums[7]).AsInt16());
        var yd = Vector256.Create(*(float*)activation);
        var share = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(sums), d * yd, *acc);
        *acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(minimums), -(dmin * yd), share);
    }

    /// <summary>
    /// The 4-bit scale and minimum codes of one Q2_K block in eight rows (byte j: scale of sub-block j in the low
    /// nibble, minimum in the high one), transposed: <c>scales[j]</c> lane r = (s_rj, s_rj) and <c>minPairs[p]</c>
    /// lane r = (m_r,2p, m_r,2p+1), as int16 pairs.
    /// </summary>
    private static void Q2_KEightRowCodes(byte* block, long rowBytes, Vector256<short>* scales, Vector256<short>* minPairs)
    {
        var codes = stackalloc Vector128<byte>[8];
        for (int r = 0; r < 8; r++)
            codes[r] = Vector128.Load(block + r * rowBytes);
        TransposeBytePairs(codes);
        var nibble = Vector128.Create((byte)0x0F);
        for (int p = 0; p < 8; p++)
        {
            SpreadScales(codes[p] & nibble, scales + 2 * p);
            minPairs[p] = MinimumPair(Vector128.ShiftRightLogical(codes[p].AsUInt16(), 4).AsByte() & nibble);
        }
    }
}
