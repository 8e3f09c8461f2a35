using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// The 32-weight nibble types (Q4_0, Q4_1, Q5_0, Q5_1) eight rows at a time, one generic kernel per use over the four
/// layouts. Decoding streams the rows once, fetching the next eight ahead. Prompts go block by block: a block's eight
/// rows are unpacked and transposed once (<see cref="NibbleRows"/>, with Q5's fifth bits) and used for every token of
/// a 64-token chunk, whose eight outputs wait in a small contiguous buffer, the way the K-quant and Q8_0 prompt
/// kernels work; the per-token work is then eight <c>vpmaddubsw</c> with broadcast activations and the block's scaling.
/// </summary>
/// <remarks>
/// The values are used unsigned (0…15, 0…31 with Q5's fifth bits). Q4_0's −8 and Q5_0's −16 are taken off as 8·Σy and
/// 16·Σy per activation block, worked out with the block's scale by <see cref="PrepareBlockExtras"/> after each token's row; Q4_1 and
/// Q5_1 add m·s, with s = d_a·Σq_a stored in their Q8_1 activation blocks. The integer sums are exactly ggml's, so
/// only the f32 scaling order differs from the one-row kernels.
/// </remarks>
internal static unsafe partial class IntegerDot
{
    /// <summary>What differs between the nibble types' eight-row kernels.</summary>
    private interface INibbleBlocks
    {
        static abstract int Bytes { get; }

        /// <summary>The activation block's size: Q8_0 (34) or Q8_1 (36).</summary>
        static abstract int ActivationBytes { get; }

        /// <summary>True when the weights are offset (q − 8, q − 16) and the kernel takes the prepared
        /// <see cref="BlockExtra.Offset"/> off (and reads the activation scale from there too).</summary>
        static abstract bool Offset { get; }

        /// <summary>True for five-bit values (Q5_0, Q5_1), whose eight products do not fit an int16.</summary>
        static abstract bool FiveBit { get; }

        /// <summary>Where the quants start in the activation block: after Q8_0's scale (2) or Q8_1's scale and sum (4).</summary>
        static abstract int QuantsAt { get; }

        /// <summary>The block's eight rows, unsigned (the offset not taken off).</summary>
        static abstract NibbleRows Rows(byte* block, in EightRowAddressing rows, int rowBytes);

        /// <summary>One token's Σ q·y over the block, the activation block at <paramref name="activation"/>.</summary>
        static abstract Vector256<int> Dot(in NibbleRows q, byte* activation);
    }

    private readonly struct Q4_0NibbleLayout : INibbleBlocks
    {
        public static int Bytes => Q4_0Bytes;
        public static int ActivationBytes => Q8_0Bytes;
        public static bool FiveBit => false;
        public static int QuantsAt => 2;
        public static bool Offset => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static NibbleRows Rows(byte* block, in EightRowAddressing rows, int rowBytes) => new(block + 2, rowBytes);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot(in NibbleRows q, byte* activation) => q.Dot(activation);
    }

    private readonly struct Q5_0NibbleLayout : INibbleBlocks
    {
        public static int Bytes => Q5_0Bytes;
        public static int ActivationBytes => Q8_0Bytes;
        public static bool FiveBit => true;
        public static int QuantsAt => 2;
        public static bool Offset => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static NibbleRows Rows(byte* block, in EightRowAddressing rows, int rowBytes)
            => new(block + Q5_0Nibbles, rows.Words(block + Q5_0High), rowBytes);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot(in NibbleRows q, byte* activation) => q.FiveBitDot(activation);
    }

    private readonly struct Q4_1NibbleLayout : INibbleBlocks
    {
        public static int Bytes => Q4_1Bytes;
        public static int ActivationBytes => Q8_1Bytes;
        public static bool FiveBit => false;
        public static int QuantsAt => Q8_1Quants;
        public static bool Offset => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static NibbleRows Rows(byte* block, in EightRowAddressing rows, int rowBytes) => new(block + Q4_1Nibbles, rowBytes);

        // The dots read the quants 2 bytes into what they are given; Q8_1's start 4 bytes in.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot(in NibbleRows q, byte* activation) => q.Dot(activation + Q8_1Quants - 2);
    }

    private readonly struct Q5_1NibbleLayout : INibbleBlocks
    {
        public static int Bytes => Q5_1Bytes;
        public static int ActivationBytes => Q8_1Bytes;
        public static bool FiveBit => true;
        public static int QuantsAt => Q8_1Quants;
        public static bool Offset => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static NibbleRows Rows(byte* block, in EightRowAddressing rows, int rowBytes)
            => new(block + Q5_1Nibbles, rows.Words(block + Q5_1High), rowBytes);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot(in NibbleRows q, byte* activation) => q.FiveBitDot(activation + Q8_1Quants - 2);
    }

    private static void NibbleEightRows<TBlocks>(byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
        where TBlocks : struct, INibbleBlocks
    {
        if (tokens == 1)
        {
            NibbleEightRowsOneToken<TBlocks>(w, rowBytes, a, blocks, y);
            return;
        }
        InTokenChunks(&NibbleEightRowsTokens<TBlocks>, w, rowBytes, a, aStride, blocks, tokens, y, yStride);
    }

    // Decoding: the weights stream past once, so the next eight rows are fetched while these are used.
    private static void NibbleEightRowsOneToken<TBlocks>(byte* w, int rowBytes, byte* a, int blocks, float* y)
        where TBlocks : struct, INibbleBlocks
    {
        var rows = new EightRowAddressing(rowBytes);
        var extras = (BlockExtra*)(a + (long)blocks * TBlocks.ActivationBytes);
        byte* next = w + 8L * rowBytes;
        var acc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += TBlocks.Bytes, a += TBlocks.ActivationBytes, next += 8 * TBlocks.Bytes)
        {
            PrefetchLines(next, 8 * TBlocks.Bytes);
            var isum = TBlocks.Dot(TBlocks.Rows(w, rows, rowBytes), a);
            var (d, m) = rows.RebiasedPairs(w);
            if (TBlocks.Offset)
            {
                var extra = extras[b];
                acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum - Vector256.Create(extra.Offset)), d * extra.Scale, acc);
            }
            else
            {
                acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), d * HalfRebiased(a), acc);
                acc = Vector256.FusedMultiplyAdd(m, Vector256.Create(HalfRebiased(a + 2)), acc);
            }
        }
        acc.Store(y);
    }

    private static void NibbleEightRowsTokens<TBlocks>(byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
        where TBlocks : struct, INibbleBlocks
    {
        var rows = new EightRowAddressing(rowBytes);
        // The outputs wait here, contiguous: y's rows of a power-of-two width would all fall in one L1 set.
        var acc = stackalloc Vector256<float>[tokens];
        for (int t = 0; t < tokens; t++)
            acc[t] = Vector256<float>.Zero;
        long extrasOffset = (long)blocks * TBlocks.ActivationBytes;
        for (int b = 0; b < blocks; b++, w += TBlocks.Bytes)
        {
            var q = TBlocks.Rows(w, rows, rowBytes);
            var (d, m) = rows.RebiasedPairs(w);
            long blockOffset = (long)b * TBlocks.ActivationBytes;
            byte* tokenRow = a;
            for (int t = 0; t < tokens; t++, tokenRow += aStride)
            {
                byte* at = tokenRow + blockOffset;
                var isum = TBlocks.Dot(q, at);
                if (TBlocks.Offset)
                {
                    var extra = ((BlockExtra*)(tokenRow + extrasOffset))[b];
                    acc[t] = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum - Vector256.Create(extra.Offset)), d * extra.Scale, acc[t]);
                }
                else
                {
                    var share = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), d * HalfRebiased(at), acc[t]);
                    acc[t] = Vector256.FusedMultiplyAdd(m, Vector256.Create(HalfRebiased(at + 2)), share);
                }
            }
        }
        for (int t = 0; t < tokens; t++)
            acc[t].Store(y + t * yStride);
    }
}
