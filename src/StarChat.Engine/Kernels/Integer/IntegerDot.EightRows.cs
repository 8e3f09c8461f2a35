using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// Eight weight rows at once, in the file's own layout (no repacking): each block's quants of the eight rows are
/// transposed in registers so that 32-bit lane r holds four bytes of row r, and a broadcast 4-byte group of the
/// activations multiplies all eight rows in one <c>vpmaddubsw</c>. The block sums then come out one row per lane:
/// one conversion, one scale vector (the eight rows' f16 scales, widened together) and one FMA per block serve
/// eight rows, where the one-row kernels spend a horizontal layout and a scalar scale per row (ggml reaches the same
/// lane-per-row form by repacking Q4_0 into interleaved eight-row blocks at load).
/// </summary>
/// <remarks>
/// Each type's integer sums are exactly ggml's, so only the f32 scaling order differs from
/// <see cref="Row(TensorType, KernelPath, byte*, byte*, int)"/>; how the offsets and minimums are taken off is told
/// beside the kernels (<see cref="NibbleEightRows{TBlocks}"/>, <see cref="KEightRowsTokens{TQuants}"/>). Eight products
/// of at most 15·127·2 fit an int16, so a whole Q4_0 block is summed in int16 before one <c>vpmaddwd</c>.
/// </remarks>
internal static unsafe partial class IntegerDot
{
    /// <summary>True when <see cref="EightRows"/> has a kernel for <paramref name="type"/> on <paramref name="path"/>
    /// for <paramref name="tokens"/> tokens (256-bit on both vector rungs, like the four-token kernels).</summary>
    /// <remarks>The K-quant kernels are for prompts: decoding streams the weights once, and the one-row kernels
    /// keep up with memory there. So does Q8_0's: its eight rows, 2 KiB apart, read slower than one row at a time
    /// fetched 2 KiB ahead (tg32 13.1 → 14.2 t/s on StarCoderBase-1B shapes, 4 alternating rounds), while Q4_0's
    /// one-row dot has more to unpack per byte and decodes faster eight rows at a time (26.5 against 20.0 t/s), and so
    /// do Q4_1's (20.3 against 18.2 t/s), Q5_0's (24.9 against 21.5) and Q5_1's (17.2 against 15.8). Their prompts go
    /// block by block (<see cref="NibbleEightRows"/>): pp128 Q4_0 70 → 85 t/s against eight rows × four tokens per
    /// pass, and Q4_1 31 → 69, Q5_0 31 → 77, Q5_1 26 → 65 against one row × four tokens.</remarks>
    public static bool HasEightRowKernel(TensorType type, KernelPath path, int tokens)
        => path is KernelPath.Vector256 or KernelPath.Vector512 && Avx2.IsSupported
            && (type is TensorType.Q4_0 || (type is TensorType.Q8_0 && tokens > 1)
                || type is TensorType.Q4_1 or TensorType.Q5_0 or TensorType.Q5_1
                || (tokens >= 4 && type is TensorType.Q2_K or TensorType.Q4_K or TensorType.Q5_K or TensorType.Q6_K));

    /// <summary>Extra prepared bytes per activation block that <see cref="EightRows"/> reads after the activation
    /// row: a <see cref="BlockExtra"/> for the types that take an offset off (Q4_0, Q5_0, and Q8_0 with AVX-VNNI).</summary>
    public static int EightRowBlockBytes(TensorType type) => OffsetUnit(type) != 0 ? sizeof(BlockExtra) : 0;

    // What the eight-row kernel takes off per unit of an activation block's Σq: Q4_0's −8, Q5_0's −16 and the +128
    // of Q8_0's unsigned weights with AVX-VNNI; 0 for the types that need no extra prepared bytes.
    private static int OffsetUnit(TensorType type) => type switch
    {
        TensorType.Q4_0 => 8,
        TensorType.Q5_0 => 16,
        TensorType.Q8_0 when Int8Lanes.HasVnni => 128,
        _ => 0,
    };

    /// <summary>What the eight-row kernels need of each activation block besides its quants, worked out once per
    /// token rather than once per eight rows: the offset's share (unit·Σq) and the block's scale times 2^112
    /// (<see cref="HalfRebiased"/>), one broadcast operand each in the kernels' inner loops.</summary>
    public struct BlockExtra
    {
        public int Offset;
        public float Scale;
    }

    /// <summary>Writes a <see cref="BlockExtra"/> for each Q8_0 activation block (<paramref name="blocks"/> blocks at
    /// <paramref name="activations"/>) to <paramref name="extras"/>, for weights of <paramref name="weightType"/>.</summary>
    public static void PrepareBlockExtras(TensorType weightType, byte* activations, int blocks, BlockExtra* extras)
    {
        int unit = OffsetUnit(weightType);
        var ones = Vector256.Create((byte)1);
        for (int b = 0; b < blocks; b++, activations += Q8_0Bytes)
        {
            int sum = 0;
            if (Avx2.IsSupported)
            {
                var pairs = Avx2.MultiplyAddAdjacent(ones, Vector256.Load((sbyte*)(activations + 2)));
                sum = Vector256.Sum(Avx2.MultiplyAddAdjacent(pairs, Vector256<short>.One));
            }
            else
            {
                for (int j = 0; j < 32; j++)
                    sum += ((sbyte*)(activations + 2))[j];
            }
            extras[b] = new BlockExtra { Offset = unit * sum, Scale = HalfRebiased(activations) };
        }
    }

    /// <summary>
    /// Rows <c>w, w + rowBytes, …, w + 7·rowBytes</c> against <paramref name="tokens"/> tokens:
    /// <c>y[t·yStride + r] = Σ w_r·a_t</c>, token t's prepared activations at <c>a + t·aStride</c> (the Q8_0 row,
    /// then <see cref="EightRowBlockBytes"/> per block).
    /// </summary>
    public static void EightRows(TensorType type, byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
    {
        switch (type)
        {
            case TensorType.Q4_0:
                NibbleEightRows<Q4_0NibbleLayout>(w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            case TensorType.Q4_1:
                NibbleEightRows<Q4_1NibbleLayout>(w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            case TensorType.Q5_0:
                NibbleEightRows<Q5_0NibbleLayout>(w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            case TensorType.Q5_1:
                NibbleEightRows<Q5_1NibbleLayout>(w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            case TensorType.Q8_0:
                InTokenChunks(Int8Lanes.HasVnni ? &Q8_0EightRowsTokensVnni : &Q8_0EightRowsTokens, w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            case TensorType.Q2_K:
                InTokenChunks(&Q2_KEightRowsTokens, w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            case TensorType.Q4_K:
                InTokenChunks(&KEightRowsTokens<Q4_KQuantsLayout>, w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            case TensorType.Q5_K:
                InTokenChunks(&KEightRowsTokens<Q5_KQuantsLayout>, w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            case TensorType.Q6_K:
                InTokenChunks(&Q6_KEightRowsTokens, w, rowBytes, a, aStride, blocks, tokens, y, yStride);
                break;
            default:
                throw new NotSupportedException($"no eight-row kernel for {type}");
        }
    }

    /// <summary>Tokens a block-by-block prompt kernel takes at once: their int32 sums and f32 outputs (32 bytes each
    /// per token) stay in L1.</summary>
    private const int EightRowTokenChunk = 64;

    // Runs a block-by-block prompt kernel over the tokens, EightRowTokenChunk at a time.
    private static void InTokenChunks(delegate*<byte*, int, byte*, long, int, int, float*, long, void> kernel,
        byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
    {
        for (int t = 0; t < tokens; t += EightRowTokenChunk)
            kernel(w, rowBytes, a + t * aStride, aStride, blocks, Math.Min(EightRowTokenChunk, tokens - t), y + t * yStride, yStride);
    }

    // Prompts: block by block, a block's eight rows are transposed once, with their magnitudes for the sign trick, and
    // kept in L1 for every token of the chunk; each token's eight outputs accumulate in a small buffer. Two tokens
    // per pass over the rows, transposing each block once per pair, ran pp128 at 45.9 t/s against 60.7
    // (StarCoderBase-1B shapes, 4 alternating rounds).
    private static void Q8_0EightRowsTokens(byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
    {
        var rows = new EightRowAddressing(rowBytes);
        var quants = stackalloc Vector256<sbyte>[8];
        var magnitudes = stackalloc Vector256<byte>[8];
        // The outputs wait here, contiguous: y's rows of a power-of-two width would all fall in one L1 set.
        var acc = stackalloc Vector256<float>[tokens];
        for (int t = 0; t < tokens; t++)
            acc[t] = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += Q8_0Bytes, a += Q8_0Bytes)
        {
            new Q8_0Rows(w, rowBytes).Store(quants, magnitudes);
            var scales = rows.RebiasedPairs(w).First;
            byte* at = a;
            for (int t = 0; t < tokens; t++, at += aStride)
            {
                int* x = (int*)(at + 2);
                var isum = SignedGroup(quants[0], magnitudes[0], x[0]) + SignedGroup(quants[1], magnitudes[1], x[1])
                    + SignedGroup(quants[2], magnitudes[2], x[2]) + SignedGroup(quants[3], magnitudes[3], x[3])
                    + SignedGroup(quants[4], magnitudes[4], x[4]) + SignedGroup(quants[5], magnitudes[5], x[5])
                    + SignedGroup(quants[6], magnitudes[6], x[6]) + SignedGroup(quants[7], magnitudes[7], x[7]);
                acc[t] = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), scales * HalfRebiased(at), acc[t]);
            }
        }
        for (int t = 0; t < tokens; t++)
            acc[t].Store(y + t * yStride);
    }

    // AVX-VNNI prompts: a block's eight rows are made unsigned once (q + 128, exact in a byte), so each token's
    // broadcast activations meet them in one vpdpbusd per group, with no sign trick and no int16 step (a product
    // pair of 255·127 would saturate vpmaddubsw, not vpdpbusd); 128·Σx is taken off per token (a prepared
    // BlockExtra). Half the instructions per token of the sign-trick kernel, and the rows stay in registers.
    private static void Q8_0EightRowsTokensVnni(byte* w, int rowBytes, byte* a, long aStride, int blocks, int tokens, float* y, long yStride)
    {
        var rows = new EightRowAddressing(rowBytes);
        var acc = stackalloc Vector256<float>[tokens];
        for (int t = 0; t < tokens; t++)
            acc[t] = Vector256<float>.Zero;
        long extrasOffset = (long)blocks * Q8_0Bytes;
        var bias = Vector256.Create((byte)0x80);
        for (int b = 0; b < blocks; b++, w += Q8_0Bytes)
        {
            var q = new Q8_0Rows(w, rowBytes);
            Vector256<byte> u0 = q.G0 ^ bias, u1 = q.G1 ^ bias, u2 = q.G2 ^ bias, u3 = q.G3 ^ bias;
            Vector256<byte> u4 = q.G4 ^ bias, u5 = q.G5 ^ bias, u6 = q.G6 ^ bias, u7 = q.G7 ^ bias;
            var scales = rows.RebiasedPairs(w).First;
            long blockOffset = (long)b * Q8_0Bytes;
            byte* tokenRow = a;
            for (int t = 0; t < tokens; t++, tokenRow += aStride)
            {
                int* x = (int*)(tokenRow + blockOffset + 2);
                var extra = ((BlockExtra*)(tokenRow + extrasOffset))[b];
                // Two chains of four, so the accumulating instruction's latency overlaps.
                var even = Vnni(Vnni(Vnni(Vnni(Vector256<int>.Zero, u0, x[0]), u2, x[2]), u4, x[4]), u6, x[6]);
                var odd = Vnni(Vnni(Vnni(Vnni(Vector256<int>.Zero, u1, x[1]), u3, x[3]), u5, x[5]), u7, x[7]);
                var isum = even + odd - Vector256.Create(extra.Offset);
                acc[t] = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(isum), scales * extra.Scale, acc[t]);
            }
        }
        for (int t = 0; t < tokens; t++)
            acc[t].Store(y + t * yStride);
    }

    // acc + Σ u·x over four bytes per lane, x4's four activations broadcast.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Vnni(Vector256<int> acc, Vector256<byte> u, int x4)
        => AvxVnni.MultiplyWideningAndAdd(acc, u, Vector256.Create(x4).AsSByte());

    // Σ q·x over four bytes per lane, |q| given: ggml's sign trick with the magnitude taken once per block.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> SignedGroup(Vector256<sbyte> q, Vector256<byte> magnitude, int x4)
        => Int8Lanes.UnsignedDot(magnitude, Avx2.Sign(Vector256.Create(x4).AsSByte(), q));

    /// <summary>
    /// One Q8_0 block of eight rows, transposed so that lane r of group g holds row r's quants 4g…4g+3 (an 8×8
    /// transpose of 32-bit groups), kept with their magnitudes for ggml's sign trick.
    /// </summary>
    private readonly struct Q8_0Rows
    {
        private readonly Vector256<sbyte> _g0, _g1, _g2, _g3, _g4, _g5, _g6, _g7;

        public Vector256<byte> G0 => _g0.AsByte();
        public Vector256<byte> G1 => _g1.AsByte();
        public Vector256<byte> G2 => _g2.AsByte();
        public Vector256<byte> G3 => _g3.AsByte();
        public Vector256<byte> G4 => _g4.AsByte();
        public Vector256<byte> G5 => _g5.AsByte();
        public Vector256<byte> G6 => _g6.AsByte();
        public Vector256<byte> G7 => _g7.AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Q8_0Rows(byte* w, int rowBytes)
        {
            byte* r0 = w + 2, r4 = r0 + 4L * rowBytes;
            var v0 = Vector256.Load(r0).AsInt32();
            var v1 = Vector256.Load(r0 + rowBytes).AsInt32();
            var v2 = Vector256.Load(r0 + 2L * rowBytes).AsInt32();
            var v3 = Vector256.Load(r0 + 3L * rowBytes).AsInt32();
            var v4 = Vector256.Load(r4).AsInt32();
            var v5 = Vector256.Load(r4 + rowBytes).AsInt32();
            var v6 = Vector256.Load(r4 + 2L * rowBytes).AsInt32();
            var v7 = Vector256.Load(r4 + 3L * rowBytes).AsInt32();
            // Pairs of rows interleaved, then quads: [r0..r3 of groups g | g+4] and the same for rows 4–7.
            var t0 = Avx2.UnpackLow(v0, v1).AsInt64();
            var t1 = Avx2.UnpackHigh(v0, v1).AsInt64();
            var t2 = Avx2.UnpackLow(v2, v3).AsInt64();
            var t3 = Avx2.UnpackHigh(v2, v3).AsInt64();
            var t4 = Avx2.UnpackLow(v4, v5).AsInt64();
            var t5 = Avx2.UnpackHigh(v4, v5).AsInt64();
            var t6 = Avx2.UnpackLow(v6, v7).AsInt64();
            var t7 = Avx2.UnpackHigh(v6, v7).AsInt64();
            var u0 = Avx2.UnpackLow(t0, t2);      // rows 0–3: group 0 | group 4
            var u1 = Avx2.UnpackHigh(t0, t2);     //           group 1 | group 5
            var u2 = Avx2.UnpackLow(t1, t3);      //           group 2 | group 6
            var u3 = Avx2.UnpackHigh(t1, t3);     //           group 3 | group 7
            var u4 = Avx2.UnpackLow(t4, t6);      // rows 4–7, the same
            var u5 = Avx2.UnpackHigh(t4, t6);
            var u6 = Avx2.UnpackLow(t5, t7);
            var u7 = Avx2.UnpackHigh(t5, t7);
            _g0 = Avx2.Permute2x128(u0, u4, 0x20).AsSByte();
            _g4 = Avx2.Permute2x128(u0, u4, 0x31).AsSByte();
            _g1 = Avx2.Permute2x128(u1, u5, 0x20).AsSByte();
            _g5 = Avx2.Permute2x128(u1, u5, 0x31).AsSByte();
            _g2 = Avx2.Permute2x128(u2, u6, 0x20).AsSByte();
            _g6 = Avx2.Permute2x128(u2, u6, 0x31).AsSByte();
            _g3 = Avx2.Permute2x128(u3, u7, 0x20).AsSByte();
            _g7 = Avx2.Permute2x128(u3, u7, 0x31).AsSByte();
        }

        /// <summary>Writes the eight groups to <paramref name="quants"/> and their magnitudes to <paramref name="magnitudes"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(Vector256<sbyte>* quants, Vector256<byte>* magnitudes)
        {
            quants[0] = _g0; quants[1] = _g1; quants[2] = _g2; quants[3] = _g3;
            quants[4] = _g4; quants[5] = _g5; quants[6] = _g6; quants[7] = _g7;
            magnitudes[0] = Avx2.Abs(_g0); magnitudes[1] = Avx2.Abs(_g1); magnitudes[2] = Avx2.Abs(_g2); magnitudes[3] = Avx2.Abs(_g3);
            magnitudes[4] = Avx2.Abs(_g4); magnitudes[5] = Avx2.Abs(_g5); magnitudes[6] = Avx2.Abs(_g6); magnitudes[7] = Avx2.Abs(_g7);
        }

    }

    /// <summary>
    /// Prefetches every cache line of <paramref name="bytes"/> (at most 320) from <paramref name="first"/> on.
    /// The nibble types' one-token eight-row kernel fetches the next eight rows with it: eight rows are eight short
    /// streams (a 2048-wide row is 18 cache lines), too short for the hardware prefetcher to lock on, but the next eight
    /// are one contiguous region as long as this group's blocks together, so each block step fetches its share (eight
    /// blocks' bytes) ahead of use. The one-row K-quant dots fetch each block <see cref="DecodePrefetch.Distance"/>
    /// ahead with it.
    /// Prefetches never fault, so running past the tensor's end is harmless.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchLines(byte* first, int bytes)
    {
        // Addresses at most 64 apart from the first byte to the last touch every line in between: 144–192 bytes for
        // the nibble types' eight blocks, 84–210 for one K-quant block (bytes is a constant after inlining, so the
        // branches fold away).
        Sse.Prefetch0(first);
        Sse.Prefetch0(first + 64);
        Sse.Prefetch0(first + 128);
        if (bytes > 192)
            Sse.Prefetch0(first + 192);
        if (bytes > 256)
            Sse.Prefetch0(first + 256);
        Sse.Prefetch0(first + bytes - 1);
    }

    /// <summary>
    /// 16 quant bytes in each of eight rows (<paramref name="quants"/> in row 0, the same offset in the others),
    /// transposed: <paramref name="q0"/> lane r holds bytes 0–3 of row r, <paramref name="q1"/> bytes 4–7, and so on
    /// (a 4×4 transpose of 32-bit groups in each 128-bit half; rows 0–3 in the low half, 4–7 in the high half).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transposed16(byte* quants, int rowBytes, out Vector256<byte> q0, out Vector256<byte> q1, out Vector256<byte> q2, out Vector256<byte> q3)
    {
        byte* r0 = quants, r4 = r0 + 4L * rowBytes;
        var v04 = Vector256.Create(Vector128.Load(r0), Vector128.Load(r4)).AsInt32();
        var v15 = Vector256.Create(Vector128.Load(r0 + rowBytes), Vector128.Load(r4 + rowBytes)).AsInt32();
        var v26 = Vector256.Create(Vector128.Load(r0 + 2L * rowBytes), Vector128.Load(r4 + 2L * rowBytes)).AsInt32();
        var v37 = Vector256.Create(Vector128.Load(r0 + 3L * rowBytes), Vector128.Load(r4 + 3L * rowBytes)).AsInt32();
        var t0 = Avx2.UnpackLow(v04, v15).AsInt64();     // r0.0 r1.0 r0.1 r1.1 | r4.0 r5.0 r4.1 r5.1
        var t1 = Avx2.UnpackHigh(v04, v15).AsInt64();    // r0.2 r1.2 r0.3 r1.3 | …
        var t2 = Avx2.UnpackLow(v26, v37).AsInt64();     // r2.0 r3.0 r2.1 r3.1 | …
        var t3 = Avx2.UnpackHigh(v26, v37).AsInt64();
        q0 = Avx2.UnpackLow(t0, t2).AsByte();            // r0.0 r1.0 r2.0 r3.0 | r4.0 r5.0 r6.0 r7.0
        q1 = Avx2.UnpackHigh(t0, t2).AsByte();
        q2 = Avx2.UnpackLow(t1, t3).AsByte();
        q3 = Avx2.UnpackHigh(t1, t3).AsByte();
    }

    /// <summary>16 bytes of packed nibbles in each of eight rows as unsigned nibbles, group by group (see
    /// <see cref="Transposed16"/>): byte j of a row holds weight j (low nibble) and j + 16 of the same run (high
    /// nibble) in Q4_0, weight j of one sub-block and of the next in Q4_K.</summary>
    private struct NibbleRows
    {
        public Vector256<byte> Low0, High0, Low1, High1, Low2, High2, Low3, High3;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public NibbleRows(byte* quants, int rowBytes)
        {
            Transposed16(quants, rowBytes, out var q0, out var q1, out var q2, out var q3);
            var mask = Vector256.Create((byte)0x0F);
            Low0 = q0 & mask;
            High0 = Vector256.ShiftRightLogical(q0.AsUInt16(), 4).AsByte() & mask;
            Low1 = q1 & mask;
            High1 = Vector256.ShiftRightLogical(q1.AsUInt16(), 4).AsByte() & mask;
            Low2 = q2 & mask;
            High2 = Vector256.ShiftRightLogical(q2.AsUInt16(), 4).AsByte() & mask;
            Low3 = q3 & mask;
            High3 = Vector256.ShiftRightLogical(q3.AsUInt16(), 4).AsByte() & mask;
        }

        /// <summary>Q5_K: the nibbles with their fifth bits, bit <paramref name="lowBit"/> of the high-bit bytes for the
        /// low values and bit <paramref name="lowBit"/> + 1 for the high ones (values 0…31).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public NibbleRows(byte* quants, byte* highBits, int lowBit, int rowBytes) : this(quants, rowBytes)
        {
            Transposed16(highBits, rowBytes, out var h0, out var h1, out var h2, out var h3);
            Low0 |= FifthBit(h0, lowBit);
            High0 |= FifthBit(h0, lowBit + 1);
            Low1 |= FifthBit(h1, lowBit);
            High1 |= FifthBit(h1, lowBit + 1);
            Low2 |= FifthBit(h2, lowBit);
            High2 |= FifthBit(h2, lowBit + 1);
            Low3 |= FifthBit(h3, lowBit);
            High3 |= FifthBit(h3, lowBit + 1);
        }

        /// <summary>Q5_0 and Q5_1: the nibbles with their fifth bits from <paramref name="highWords"/>, whose lane r is
        /// row r's 32-bit word (bit j for weight j; values 0…31).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public NibbleRows(byte* quants, Vector256<int> highWords, int rowBytes) : this(quants, rowBytes)
        {
            // Group g's low values are weights 4g…4g+3: bits 0–3 or 4–7 of the word's byte g/2; its high values
            // (16 + 4g…) the same bits of byte 2 + g/2. Each byte is copied over its lane, then byte k keeps bit k of
            // the low or the high half.
            var words = highWords.AsByte();
            var lowBits = Vector256.Create(0x08040201u).AsByte();
            var highBits = Vector256.Create(0x80402010u).AsByte();
            var byte0 = Avx2.Shuffle(words, LaneByte(0));
            var byte1 = Avx2.Shuffle(words, LaneByte(1));
            var byte2 = Avx2.Shuffle(words, LaneByte(2));
            var byte3 = Avx2.Shuffle(words, LaneByte(3));
            Low0 |= BitSet(byte0, lowBits);
            Low1 |= BitSet(byte0, highBits);
            Low2 |= BitSet(byte1, lowBits);
            Low3 |= BitSet(byte1, highBits);
            High0 |= BitSet(byte2, lowBits);
            High1 |= BitSet(byte2, highBits);
            High2 |= BitSet(byte3, lowBits);
            High3 |= BitSet(byte3, highBits);
        }

        // vpshufb indices copying byte `index` of each 32-bit lane over the lane.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<byte> LaneByte(int index)
            => (Vector256.Create(0x04040404_00000000UL, 0x0C0C0C0C_08080808UL, 0x04040404_00000000UL, 0x0C0C0C0C_08080808UL)
                + Vector256.Create((ulong)(0x01010101_01010101UL * (uint)index))).AsByte();

        // 16 where the byte has its bit of `bits` set, else 0.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<byte> BitSet(Vector256<byte> bytes, Vector256<byte> bits)
            => Vector256.Equals(bytes & bits, bits) & Vector256.Create((byte)0x10);

        // Bit `bit` of each byte moved to bit 4 (16-bit shifts: after the mask no bit crosses into the next byte).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<byte> FifthBit(Vector256<byte> bits, int bit)
            => Vector256.ShiftLeft((Vector256.ShiftRightLogical(bits.AsUInt16(), bit).AsByte() & Vector256.Create((byte)1)).AsUInt16(), 4).AsByte();

        /// <summary>Σ nibble·y over a Q4_0 block for the eight rows (one per lane), y the block's Q8_0 activations.</summary>
        /// <remarks>Group g's low nibbles meet activations 4g…4g+3 and its high nibbles 16+4g…16+4g+3.</remarks>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector256<int> Dot(byte* activation)
        {
            int* y = (int*)(activation + 2);
            if (Int8Lanes.HasVnni)
                return VnniGroups(Low0, Low1, Low2, Low3, y) + VnniGroups(High0, High1, High2, High3, y + 4);
            return Avx2.MultiplyAddAdjacent(LowSum(y) + HighSum(y + 4), Vector256<short>.One);
        }

        /// <summary>Σ q·y over a block of five-bit values (Q5_0, Q5_1) for the eight rows, y the block's 32 activations
        /// from <paramref name="activation"/> + 2 on.</summary>
        /// <remarks>Four products of at most 31·127·2 fit an int16, eight do not: the low and the high values are
        /// widened apart.</remarks>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector256<int> FiveBitDot(byte* activation)
        {
            int* y = (int*)(activation + 2);
            if (Int8Lanes.HasVnni)
                return VnniGroups(Low0, Low1, Low2, Low3, y) + VnniGroups(High0, High1, High2, High3, y + 4);
            return Avx2.MultiplyAddAdjacent(LowSum(y), Vector256<short>.One) + Avx2.MultiplyAddAdjacent(HighSum(y + 4), Vector256<short>.One);
        }

        /// <summary>Σ q·y over four groups of four values per row straight into int32 lanes (AVX-VNNI), y's
        /// groups broadcast.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<int> VnniGroups(Vector256<byte> q0, Vector256<byte> q1, Vector256<byte> q2, Vector256<byte> q3, int* y)
            => Vnni(Vnni(Vnni(Vnni(Vector256<int>.Zero, q0, y[0]), q1, y[1]), q2, y[2]), q3, y[3]);

        /// <summary>Σ low nibble·y over the 16 weights, as int16 pair sums (at most 4·2·31·127 each, five-bit values included).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector256<short> LowSum(int* y)
            => Avx2.MultiplyAddAdjacent(Low0, Vector256.Create(y[0]).AsSByte()) + Avx2.MultiplyAddAdjacent(Low1, Vector256.Create(y[1]).AsSByte())
                + Avx2.MultiplyAddAdjacent(Low2, Vector256.Create(y[2]).AsSByte()) + Avx2.MultiplyAddAdjacent(Low3, Vector256.Create(y[3]).AsSByte());

        /// <summary>The same for the high nibbles against <paramref name="y"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector256<short> HighSum(int* y)
            => Avx2.MultiplyAddAdjacent(High0, Vector256.Create(y[0]).AsSByte()) + Avx2.MultiplyAddAdjacent(High1, Vector256.Create(y[1]).AsSByte())
                + Avx2.MultiplyAddAdjacent(High2, Vector256.Create(y[2]).AsSByte()) + Avx2.MultiplyAddAdjacent(High3, Vector256.Create(y[3]).AsSByte());
    }

    /// <summary>An activation block's f16 scale times 2^112, to meet <see cref="EightRowAddressing.RebiasedPairs"/>
    /// (exact: f16 values stay below 2^16, so the product stays below f32's largest).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HalfRebiased(byte* p) => Half(p) * Kernels.RebiasedHalf.Rebias;

    /// <summary>Byte offsets of eight consecutive rows, for reading their f16 block scales.</summary>
    private readonly struct EightRowAddressing(int rowBytes)
    {
        private readonly long _rowBytes = rowBytes;

        /// <summary>The eight rows' 32-bit words at <paramref name="at"/> in row 0 (the same offset in the others), one per lane.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<int> Words(byte* at)
        {
            byte* at4 = at + 4 * _rowBytes;
            return Vector256.Create(
                *(int*)at, *(int*)(at + _rowBytes), *(int*)(at + 2 * _rowBytes), *(int*)(at + 3 * _rowBytes),
                *(int*)at4, *(int*)(at4 + _rowBytes), *(int*)(at4 + 2 * _rowBytes), *(int*)(at4 + 3 * _rowBytes));
        }

        /// <summary>
        /// The eight rows' two f16 values at <paramref name="block"/> and <paramref name="block"/> + 2 in row 0 (the same
        /// offsets in the others) as f32·2^−112 (<see cref="RebiasedHalf.Pairs"/>), from one 32-bit read per row: a
        /// block's scale, and its minimum or its first quants. The activation scale they meet carries the 2^112.
        /// </summary>
        /// <remarks>Half the instructions of two <see cref="Scales"/> calls, which look up each row's half in a table.
        /// A scale of infinity or NaN (a corrupt file) comes out finite here.</remarks>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (Vector256<float> First, Vector256<float> Second) RebiasedPairs(byte* block) => Kernels.RebiasedHalf.Pairs(Words(block), Kernels.RebiasedHalf.Mask);

        /// <summary>The eight rows' f16 scales (at <paramref name="block"/> in row 0, same offset in the others) as f32.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Scales(byte* block)
        {
            byte* b4 = block + 4 * _rowBytes;
            return Vector256.Create(
                Vector128.Create(HalfTable.At(block), HalfTable.At(block + _rowBytes), HalfTable.At(block + 2 * _rowBytes), HalfTable.At(block + 3 * _rowBytes)),
                Vector128.Create(HalfTable.At(b4), HalfTable.At(b4 + _rowBytes), HalfTable.At(b4 + 2 * _rowBytes), HalfTable.At(b4 + 3 * _rowBytes)));
        }
    }
}
