using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Prompt processing on AVX-512 as an outer-product micro-kernel with the tokens in the vector lanes: the activations
/// are transposed once per matmul (<c>xT[k·P + t]</c>, P tokens padded to a multiple of 16), and each step
/// broadcasts one weight of each of eight rows against three vectors of 16 tokens, 24 FMAs into a tile of sums held
/// in registers. The weights stay row-major (f16/bf16 widened a slice at a time), so unlike a rows-in-lanes panel
/// they need no transposing, and unlike <see cref="FloatTiles"/>' dot-product tiles there are no horizontal sums and
/// only 11 loads per 24 FMAs, 3 of them full vectors, with no general registers spilled (checked with
/// <c>DOTNET_JitDisasm</c>: the eight rows are addressed from three bases and one stride).
/// </summary>
/// <remarks>
/// <para>One core, 16 rows × 2048 inputs × 128 tokens of f32 weights: 172–188 GFLOP/s against 117–127 for
/// <see cref="FloatTiles"/> (a measured FMA peak is about 212); F16 pp128 on StarCoderBase-1B shapes, 2 threads:
/// about +10–15 % over the dot-product tiles in alternating runs.</para>
/// <para>The sums are kept in lanes (<c>sums[r·P + t]</c>) across slices of the inputs and turned back into
/// <c>y[t, row]</c> once per block. Each slice of <see cref="SliceLength"/> inputs keeps the tile's eight row
/// slices in L1 while every token group passes over them.</para>
/// </remarks>
internal static unsafe class TokenLaneTiles
{
    /// <summary>Tokens per vector.</summary>
    public const int Lanes = 16;
    private const int TileRows = 8;
    private const int TileVectors = 3;
    private const int SliceLength = 512;

    /// <summary>True when this path runs here.</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>The token count rounded up to whole vectors: the row length of the transposed activations.</summary>
    public static int PaddedTokens(int tokens) => (tokens + Lanes - 1) & ~(Lanes - 1);

    /// <summary>Writes tokens <c>[first, end)</c> of <paramref name="x"/> (<c>[tokens, n]</c>) as columns of
    /// <paramref name="xT"/> (<c>[n, paddedTokens]</c>).</summary>
    /// <remarks>A vector's worth of tokens at a time, so that each line of <paramref name="xT"/> is written whole
    /// before the next: token by token, every token's pass touched all n lines (1–4 MiB at 128 tokens), and the
    /// transposition was 5.6 % of an F16 pp128 profile; sixteen inputs at a time through a register transpose where
    /// the piece holds the whole vector (one float at a time, still 3.6 %).</remarks>
    public static void Scatter(ReadOnlySpan<float> x, int n, int first, int end, int paddedTokens, Span<float> xT)
    {
        KernelGuard.AtLeast(checked(end * n), x.Length, nameof(x));
        KernelGuard.AtLeast(checked(n * paddedTokens), xT.Length, nameof(xT));
        fixed (float* source = x)
        fixed (float* target = xT)
        {
            for (int group = first; group < end; group = (group + Lanes) & ~(Lanes - 1))
            {
                int stop = Math.Min(end, (group + Lanes) & ~(Lanes - 1));
                int k = 0;
                // A whole vector of tokens goes sixteen inputs at a time through the register transpose.
                if (Avx512F.IsSupported && stop - group == Lanes)
                {
                    for (; k + Lanes <= n; k += Lanes)
                        Transpose16(source + (long)group * n + k, n, target + (long)k * paddedTokens + group, paddedTokens, Lanes);
                }
                for (; k < n; k++)
                {
                    float* column = target + (long)k * paddedTokens;
                    for (int t = group; t < stop; t++)
                        column[t] = source[(long)t * n + k];
                }
            }
        }
    }

    /// <summary>Zeroes the padding columns <c>[tokens, paddedTokens)</c> of <paramref name="xT"/>, so that the
    /// lanes no output reads hold no stale NaNs or subnormals.</summary>
    public static void ClearPadding(int n, int tokens, int paddedTokens, Span<float> xT)
    {
        for (int k = 0; k < n; k++)
            xT.Slice(k * paddedTokens + tokens, paddedTokens - tokens).Clear();
    }

    /// <summary>
    /// <c>y[t·yStride + rowOffset + r] = bias[r] + Σ_k xT[k·P + t]·w[r·wStride + k]</c> for every token and each of
    /// <paramref name="rows"/> f32 rows (<paramref name="bias"/>: empty, or a value per row); <paramref name="sums"/> is
    /// scratch of at least <c>rows · P</c> floats.
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> w, int wStride, int rows, int n, ReadOnlySpan<float> xT, int tokens,
        Span<float> y, int yStride, int rowOffset, ReadOnlySpan<float> bias, Span<float> sums)
    {
        KernelGuard.AtLeast(checked((rows - 1) * wStride + n), w.Length, nameof(w));
        fixed (float* wp = w)
            Multiply(new FloatRows(wp, wStride), rows, n, xT, tokens, y, yStride, rowOffset, bias, sums);
    }

    /// <summary>As the f32 overload for f16 (or bf16) rows of <paramref name="n"/> values, widened a tile's slice at a
    /// time into <paramref name="slice"/> (at least <see cref="WidenedSliceFloats"/>).</summary>
    public static void Multiply(ReadOnlySpan<ushort> w, bool bfloat16, int rows, int n, ReadOnlySpan<float> xT, int tokens,
        Span<float> y, int yStride, int rowOffset, ReadOnlySpan<float> bias, Span<float> sums, Span<float> slice)
    {
        KernelGuard.AtLeast(checked(rows * n), w.Length, nameof(w));
        KernelGuard.AtLeast(WidenedSliceFloats, slice.Length, nameof(slice));
        fixed (ushort* wp = w)
        fixed (float* target = slice)
            Multiply(new HalfRows(wp, n, bfloat16, target), rows, n, xT, tokens, y, yStride, rowOffset, bias, sums);
    }

    /// <summary>Floats of the scratch a tile's widened slice takes.</summary>
    public static int WidenedSliceFloats => TileRows * SliceStride;

    // Widened slices' rows are a cache line more than 2 KiB apart, so the eight a tile broadcasts from fall in
    // different L1 sets.
    private const int SliceStride = SliceLength + Lanes;

    private static void Multiply<TRows>(TRows source, int rows, int n, ReadOnlySpan<float> xT, int tokens,
        Span<float> y, int yStride, int rowOffset, ReadOnlySpan<float> bias, Span<float> sums) where TRows : struct, IRowSource
    {
        int padded = PaddedTokens(tokens);
        int vectors = padded / Lanes;
        KernelGuard.AtLeast(checked(rows * padded), sums.Length, nameof(sums));
        KernelGuard.AtLeast(checked(n * padded), xT.Length, nameof(xT));
        KernelGuard.AtLeast(checked((tokens - 1) * yStride + rowOffset + rows), y.Length, nameof(y));
        if (!bias.IsEmpty)
            KernelGuard.AtLeast(rows, bias.Length, nameof(bias));
        fixed (float* xp = xT)
        fixed (float* sp = sums)
        fixed (float* bp = bias)
        fixed (float* yp = y)
        {
            for (int k = 0; k < n; k += SliceLength)
            {
                int length = Math.Min(SliceLength, n - k);
                for (int r = 0; r < rows; r += TileRows)
                {
                    int tileRows = Math.Min(TileRows, rows - r);
                    float* w = source.Slice(r, tileRows, k, length, out int wStride);
                    // The slice the block widens next, fetched into L2 while this one's tiles run: without it the
                    // widening waited on memory (F16 pp128, 3-round alternating runs: 82 → 95 t/s).
                    if (r + TileRows < rows)
                        source.Prefetch(r + TileRows, Math.Min(TileRows, rows - r - TileRows), k, length);
                    else if (k + SliceLength < n)
                        source.Prefetch(0, Math.Min(TileRows, rows), k + SliceLength, Math.Min(SliceLength, n - k - SliceLength));
                    float* rowBias = k > 0 || bp is null ? null : bp + r;
                    for (int v = 0; v < vectors; v += TileVectors)
                    {
                        TileFor(tileRows, Math.Min(TileVectors, vectors - v), w, wStride,
                            xp + (long)k * padded + v * Lanes, padded, length, sp + (long)r * padded + v * Lanes, k == 0, rowBias);
                    }
                }
            }
            WriteBack(sp, padded, rows, tokens, yp + rowOffset, yStride);
        }
    }

    // y[t·yStride + r] = sums[r·P + t], sixteen rows by sixteen tokens at a time through a register transpose: one
    // float at a time, this was 9 % of an F16 pp128 profile.
    private static void WriteBack(float* sums, int padded, int rows, int tokens, float* y, int yStride)
    {
        int r = 0;
        for (; r + Lanes <= rows; r += Lanes)
        {
            for (int t = 0; t < tokens; t += Lanes)
                Transpose16(sums + (long)r * padded + t, padded, y + (long)t * yStride + r, yStride, Math.Min(Lanes, tokens - t));
        }
        for (; r < rows; r++)
        {
            for (int t = 0; t < tokens; t++)
                y[(long)t * yStride + r] = sums[(long)r * padded + t];
        }
    }

    // Writes column j of the 16×16 block at `source` (rows `sourceStride` apart) as row j at `target` (rows
    // `targetStride` apart), for the first `count` columns. Unpacking pairs of rows, then pairs of pairs, leaves lane L
    // of vector 4g + m holding rows 4g..4g+3 of column 4L + m; two rounds of 128-bit lane shuffles gather the four
    // groups of each column.
    private static void Transpose16(float* source, int sourceStride, float* target, int targetStride, int count)
    {
        nint s = sourceStride;
        var (u0, u1, u2, u3) = Quad(source, s);
        var (u4, u5, u6, u7) = Quad(source + 4 * s, s);
        var (u8, u9, u10, u11) = Quad(source + 8 * s, s);
        var (u12, u13, u14, u15) = Quad(source + 12 * s, s);
        nint t = targetStride;
        Lanes4(u0, u4, u8, u12, target, 4 * t, count);
        Lanes4(u1, u5, u9, u13, target + t, 4 * t, count - 1);
        Lanes4(u2, u6, u10, u14, target + 2 * t, 4 * t, count - 2);
        Lanes4(u3, u7, u11, u15, target + 3 * t, 4 * t, count - 3);
    }

    // Rows r..r+3 of the block: vector m holds, in lane L, those four rows of column 4L + m.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Quad(float* row, nint stride)
    {
        var r0 = Vector512.Load(row);
        var r1 = Vector512.Load(row + stride);
        var r2 = Vector512.Load(row + 2 * stride);
        var r3 = Vector512.Load(row + 3 * stride);
        var t0 = Avx512F.UnpackLow(r0, r1).AsDouble();
        var t1 = Avx512F.UnpackHigh(r0, r1).AsDouble();
        var t2 = Avx512F.UnpackLow(r2, r3).AsDouble();
        var t3 = Avx512F.UnpackHigh(r2, r3).AsDouble();
        return (Avx512F.UnpackLow(t0, t2).AsSingle(), Avx512F.UnpackHigh(t0, t2).AsSingle(),
            Avx512F.UnpackLow(t1, t3).AsSingle(), Avx512F.UnpackHigh(t1, t3).AsSingle());
    }

    // Lane L of v0..v3 side by side is column 4L + m: stored at target + L·step while L < count / 4 rounds up.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Lanes4(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        float* target, nint step, int count)
    {
        var x0 = Avx512F.Shuffle4x128(v0, v1, 0x44);
        var x1 = Avx512F.Shuffle4x128(v0, v1, 0xEE);
        var x2 = Avx512F.Shuffle4x128(v2, v3, 0x44);
        var x3 = Avx512F.Shuffle4x128(v2, v3, 0xEE);
        if (count > 0) Avx512F.Shuffle4x128(x0, x2, 0x88).Store(target);
        if (count > 4) Avx512F.Shuffle4x128(x0, x2, 0xDD).Store(target + step);
        if (count > 8) Avx512F.Shuffle4x128(x1, x3, 0x88).Store(target + 2 * step);
        if (count > 12) Avx512F.Shuffle4x128(x1, x3, 0xDD).Store(target + 3 * step);
    }

    /// <summary>Where a tile's weights come from: f32 rows read in place, or f16/bf16 rows widened slice by slice.</summary>
    private interface IRowSource
    {
        /// <summary>The f32 weights of rows <c>[row, row + count)</c>, inputs <c>[k, k + length)</c>, and their stride.</summary>
        float* Slice(int row, int count, int k, int length, out int stride);

        /// <summary>Hints that <see cref="Slice"/> will be asked for these rows and inputs next.</summary>
        void Prefetch(int row, int count, int k, int length);
    }

    private readonly struct FloatRows(float* w, int stride) : IRowSource
    {
        public float* Slice(int row, int count, int k, int length, out int rowStride)
        {
            rowStride = stride;
            return w + (long)row * stride + k;
        }

        public void Prefetch(int row, int count, int k, int length) { }
    }

    private readonly struct HalfRows(ushort* w, int n, bool bfloat16, float* target) : IRowSource
    {
        public float* Slice(int row, int count, int k, int length, out int stride)
        {
            stride = SliceStride;
            for (int r = 0; r < count; r++)
            {
                var source = new ReadOnlySpan<ushort>(w + (long)(row + r) * n + k, length);
                var destination = new Span<float>(target + r * SliceStride, length);
                if (bfloat16)
                    FloatConversion.BFloat16ToSingle(KernelPath.Vector512, source, destination);
                else
                    FloatConversion.HalfToSingle(KernelPath.Vector512, source, destination);
            }
            return target;
        }

        public void Prefetch(int row, int count, int k, int length)
        {
            if (!Sse.IsSupported)
                return;
            for (int r = 0; r < count; r++)
            {
                byte* first = (byte*)(w + (long)(row + r) * n + k);
                for (int b = 0; b < length * sizeof(ushort); b += 64)
                    Sse.Prefetch1(first + b);
            }
        }
    }

    private static void TileFor(int rows, int vectors, float* w, int wStride, float* x, int xStride, int length,
        float* sums, bool first, float* bias)
    {
        switch (rows)
        {
            case 8: TileFor<Eight>(vectors, w, wStride, x, xStride, length, sums, first, bias); break;
            case 7: TileFor<Seven>(vectors, w, wStride, x, xStride, length, sums, first, bias); break;
            case 6: TileFor<Six>(vectors, w, wStride, x, xStride, length, sums, first, bias); break;
            case 5: TileFor<Five>(vectors, w, wStride, x, xStride, length, sums, first, bias); break;
            case 4: TileFor<Four>(vectors, w, wStride, x, xStride, length, sums, first, bias); break;
            case 3: TileFor<Three>(vectors, w, wStride, x, xStride, length, sums, first, bias); break;
            case 2: TileFor<Two>(vectors, w, wStride, x, xStride, length, sums, first, bias); break;
            default: TileFor<One>(vectors, w, wStride, x, xStride, length, sums, first, bias); break;
        }
    }

    private static void TileFor<TRows>(int vectors, float* w, int wStride, float* x, int xStride, int length,
        float* sums, bool first, float* bias) where TRows : struct, ITileCount
    {
        switch (vectors)
        {
            case 3: Tile<TRows, Three>(w, wStride, x, xStride, length, sums, first, bias); break;
            case 2: Tile<TRows, Two>(w, wStride, x, xStride, length, sums, first, bias); break;
            default: Tile<TRows, One>(w, wStride, x, xStride, length, sums, first, bias); break;
        }
    }

    // TRows weight rows × TVectors vectors of tokens over `length` inputs. The rows are addressed from three bases and
    // one byte stride (rows 0, 1, 2, 4 from the first, 3 from the second, 5, 6, 7 from the third), so the loop needs
    // five general registers rather than eight row pointers, which the JIT had spilled in the dot-product tiles.
    // The sums start from the row's bias (first slice), or zero, or what earlier slices stored (`sums`, stride xStride).
    private static void Tile<TRows, TVectors>(float* w, int wStride, float* x, int xStride, int length, float* sums,
        bool first, float* bias) where TRows : struct, ITileCount where TVectors : struct, ITileCount
    {
        int rows = TRows.Value, vectors = TVectors.Value;
        nint s = (nint)wStride * sizeof(float);
        byte* r0 = (byte*)w, r3 = r0 + 3 * s, r5 = r0 + 5 * s;
        Vector512<float> c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        Vector512<float> c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
        c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = default;
        c40 = c41 = c42 = c50 = c51 = c52 = c60 = c61 = c62 = c70 = c71 = c72 = default;
        if (!first)
        {
            Load(sums, xStride, 0, out c00, out c01, out c02, vectors);
            if (rows > 1) Load(sums, xStride, 1, out c10, out c11, out c12, vectors);
            if (rows > 2) Load(sums, xStride, 2, out c20, out c21, out c22, vectors);
            if (rows > 3) Load(sums, xStride, 3, out c30, out c31, out c32, vectors);
            if (rows > 4) Load(sums, xStride, 4, out c40, out c41, out c42, vectors);
            if (rows > 5) Load(sums, xStride, 5, out c50, out c51, out c52, vectors);
            if (rows > 6) Load(sums, xStride, 6, out c60, out c61, out c62, vectors);
            if (rows > 7) Load(sums, xStride, 7, out c70, out c71, out c72, vectors);
        }
        else if (bias is not null)
        {
            c00 = c01 = c02 = Vector512.Create(bias[0]);
            if (rows > 1) c10 = c11 = c12 = Vector512.Create(bias[1]);
            if (rows > 2) c20 = c21 = c22 = Vector512.Create(bias[2]);
            if (rows > 3) c30 = c31 = c32 = Vector512.Create(bias[3]);
            if (rows > 4) c40 = c41 = c42 = Vector512.Create(bias[4]);
            if (rows > 5) c50 = c51 = c52 = Vector512.Create(bias[5]);
            if (rows > 6) c60 = c61 = c62 = Vector512.Create(bias[6]);
            if (rows > 7) c70 = c71 = c72 = Vector512.Create(bias[7]);
        }
        for (int k = 0; k < length; k++, r0 += sizeof(float), r3 += sizeof(float), r5 += sizeof(float), x += xStride)
        {
            var x0 = Vector512.Load(x);
            var x1 = vectors > 1 ? Vector512.Load(x + Lanes) : default;
            var x2 = vectors > 2 ? Vector512.Load(x + 2 * Lanes) : default;
            Step(Vector512.Create(*(float*)r0), x0, x1, x2, ref c00, ref c01, ref c02, vectors);
            if (rows > 1) Step(Vector512.Create(*(float*)(r0 + s)), x0, x1, x2, ref c10, ref c11, ref c12, vectors);
            if (rows > 2) Step(Vector512.Create(*(float*)(r0 + 2 * s)), x0, x1, x2, ref c20, ref c21, ref c22, vectors);
            if (rows > 3) Step(Vector512.Create(*(float*)r3), x0, x1, x2, ref c30, ref c31, ref c32, vectors);
            if (rows > 4) Step(Vector512.Create(*(float*)(r0 + 4 * s)), x0, x1, x2, ref c40, ref c41, ref c42, vectors);
            if (rows > 5) Step(Vector512.Create(*(float*)r5), x0, x1, x2, ref c50, ref c51, ref c52, vectors);
            if (rows > 6) Step(Vector512.Create(*(float*)(r5 + s)), x0, x1, x2, ref c60, ref c61, ref c62, vectors);
            if (rows > 7) Step(Vector512.Create(*(float*)(r5 + 2 * s)), x0, x1, x2, ref c70, ref c71, ref c72, vectors);
        }
        Store(sums, xStride, 0, c00, c01, c02, vectors);
        if (rows > 1) Store(sums, xStride, 1, c10, c11, c12, vectors);
        if (rows > 2) Store(sums, xStride, 2, c20, c21, c22, vectors);
        if (rows > 3) Store(sums, xStride, 3, c30, c31, c32, vectors);
        if (rows > 4) Store(sums, xStride, 4, c40, c41, c42, vectors);
        if (rows > 5) Store(sums, xStride, 5, c50, c51, c52, vectors);
        if (rows > 6) Store(sums, xStride, 6, c60, c61, c62, vectors);
        if (rows > 7) Store(sums, xStride, 7, c70, c71, c72, vectors);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(Vector512<float> weight, Vector512<float> x0, Vector512<float> x1, Vector512<float> x2,
        ref Vector512<float> c0, ref Vector512<float> c1, ref Vector512<float> c2, int vectors)
    {
        c0 = Avx512F.FusedMultiplyAdd(x0, weight, c0);
        if (vectors > 1) c1 = Avx512F.FusedMultiplyAdd(x1, weight, c1);
        if (vectors > 2) c2 = Avx512F.FusedMultiplyAdd(x2, weight, c2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Load(float* sums, int stride, int row, out Vector512<float> c0, out Vector512<float> c1,
        out Vector512<float> c2, int vectors)
    {
        float* at = sums + (long)row * stride;
        c0 = Vector512.Load(at);
        c1 = vectors > 1 ? Vector512.Load(at + Lanes) : default;
        c2 = vectors > 2 ? Vector512.Load(at + 2 * Lanes) : default;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* sums, int stride, int row, Vector512<float> c0, Vector512<float> c1,
        Vector512<float> c2, int vectors)
    {
        float* at = sums + (long)row * stride;
        c0.Store(at);
        if (vectors > 1) c1.Store(at + Lanes);
        if (vectors > 2) c2.Store(at + 2 * Lanes);
    }
}
