using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// Q5_0 and Q5_1 decoding eight rows at a time, as <see cref="EightRows"/> does Q4_0 and Q4_1: the nibbles are
/// transposed so lane r holds row r, and the eight rows' 32-bit fifth-bit words, one per lane, are spread over the
/// same lanes (a byte shuffle and a compare per group of four weights), where the one-row kernel spreads one row's
/// word over a whole vector per block and then sums and scales that row on its own.
/// </summary>
/// <remarks>
/// The values are used unsigned (0…31). Q5_0's −16 offset is taken off as 16·Σy per activation block, twice the
/// 8·Σy that <see cref="PrepareBlockSums"/> stores for Q4_0; Q5_1 adds m·s like Q4_1. The integer sums are exactly
/// ggml's, so only the f32 scaling order differs from the one-row kernels.
/// </remarks>
internal static unsafe partial class IntegerDot
{
    private static void Q5_0EightRowsOneToken(byte* w, int rowBytes, byte* a, int blocks, float* y)
    {
        var rows = new EightRowAddressing(rowBytes);
        int* sums = (int*)(a + blocks * Q8_0Bytes);
        byte* next = w + 8L * rowBytes;
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += Q5_0Bytes, a += Q8_0Bytes, next += 8 * Q5_0Bytes)
        {
            PrefetchLines(next, 8 * Q5_0Bytes);
            var q = new NibbleRows(w + Q5_0Nibbles, rows.Words(w + Q5_0High), rowBytes);
            var isum = q.FiveBitDot(a) - Vector256.Create(2 * sums[b]);
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), rows.RebiasedPairs(w).First * HalfRebiased(a), acc);
        }
        acc.Store(y);
    }

    // Against Q8_1 activations: d·d_a·Σq·q_a + m·s, with s = d_a·Σq_a stored in the activation block.
    private static void Q5_1EightRowsOneToken(byte* w, int rowBytes, byte* a, int blocks, float* y)
    {
        var rows = new EightRowAddressing(rowBytes);
        byte* next = w + 8L * rowBytes;
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += Q5_1Bytes, a += Q8_1Bytes, next += 8 * Q5_1Bytes)
        {
            PrefetchLines(next, 8 * Q5_1Bytes);
            var q = new NibbleRows(w + Q5_1Nibbles, rows.Words(w + Q5_1High), rowBytes);
            // FiveBitDot reads the quants 2 bytes into what it is given; Q8_1's start 4 bytes in.
            var isum = q.FiveBitDot(a + Q8_1Quants - 2);
            var (d, m) = rows.RebiasedPairs(w);
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), d * HalfRebiased(a), acc);
            acc = Vector256.FusedMultiplyAdd(m, Vector256.Create(HalfRebiased(a + 2)), acc);
        }
        acc.Store(y);
    }
}
