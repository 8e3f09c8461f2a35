using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels;

/// <summary>
/// y[t, rowOffset + r] = Σ_i x[t, i]·w[r, i] for f32 weight rows and several tokens: the prompt-processing path.
/// Works on tiles of 2 (AVX-512: 4, AVX2: 3) weight rows × 4 tokens, and on AVX-512 first of 4 rows × 6 tokens, so
/// each weight vector loaded is used 4–6 times and each activation vector 2–4 times, with 8–24 accumulators in flight.
/// The inputs are walked in slices of <see cref="SliceLength"/> values so that four tokens' slices (16 KiB) stay in L1
/// while every row pair passes over them: without the slicing, wide rows (8192 inputs) stream the activations from L2
/// for every row pair, and L2 bandwidth rather than the FMA units sets the pace.
/// </summary>
internal static class FloatTiles
{
    private const int TileTokens = 4;
    private const int SliceLength = 1024;
    // AVX-512 takes six tokens at a time first: their slices and four rows' are 40 KiB, within a 48 KiB L1.
    private const int WideTileTokens = 6;

    public static void Multiply(KernelPath path, ReadOnlySpan<float> w, int rows, ReadOnlySpan<float> x, int tokens,
        int inFeatures, Span<float> y, int yStride, int rowOffset)
        => Multiply(path, w, inFeatures, rows, x, inFeatures, tokens, inFeatures, y, yStride, rowOffset);

    /// <summary>As the other overload, with weight rows <paramref name="wStride"/> and tokens
    /// <paramref name="xStride"/> floats apart (padding keeps the rows a tile reads at once out of the same L1 sets).</summary>
    public static void Multiply(KernelPath path, ReadOnlySpan<float> w, int wStride, int rows, ReadOnlySpan<float> x, int xStride,
        int tokens, int inFeatures, Span<float> y, int yStride, int rowOffset)
    {
        int t = 0;
        if (path == KernelPath.Vector512)
        {
            // Six tokens at a time first: four rows × six tokens is 24 accumulators, 10 loads per 24 FMAs. One six
            // fewer when that leaves the rest to four-token tiles rather than two tokens to dot products (128 tokens:
            // 20 × 6 + 2 × 4, not 21 × 6 + 2; those two had been 4 % of an F16 pp128 profile).
            int wide = tokens / WideTileTokens;
            if (wide > 0 && (tokens - wide * WideTileTokens) % TileTokens == 2)
                wide--;
            for (; t < wide * WideTileTokens; t += WideTileTokens)
            {
                var xs = x[(t * xStride)..];
                var ys = y[(t * yStride + rowOffset)..];
                for (int k = 0; k < inFeatures; k += SliceLength)
                {
                    int length = Math.Min(SliceLength, inFeatures - k);
                    bool add = k > 0;
                    int r = 0;
                    for (; r + 4 <= rows; r += 4)
                        Tile4x6_512(in w[r * wStride + k], in xs[k], wStride, xStride, length, ys[r..], yStride, add);
                    LeftoverRows(path, w, wStride, r, rows, xStride, k, length, xs, WideTileTokens, ys, yStride, add);
                }
            }
        }
        if (path != KernelPath.Scalar)
        {
            for (; t + TileTokens <= tokens; t += TileTokens)
            {
                var xs = x[(t * xStride)..];
                var ys = y[(t * yStride + rowOffset)..];
                for (int k = 0; k < inFeatures; k += SliceLength)
                {
                    int length = Math.Min(SliceLength, inFeatures - k);
                    bool add = k > 0;
                    int r = 0;
                    if (path == KernelPath.Vector256)
                    {
                        for (; r + 3 <= rows; r += 3)
                            Tile3x4_256(in w[r * wStride + k], in xs[k], wStride, xStride, length, ys[r..], yStride, add);
                    }
                    else if (path == KernelPath.Vector512)
                    {
                        for (; r + 4 <= rows; r += 4)
                            Tile4x4_512(in w[r * wStride + k], in xs[k], wStride, xStride, length, ys[r..], yStride, add);
                    }
                    for (; r + 2 <= rows; r += 2)
                    {
                        ref readonly float w0 = ref w[r * wStride + k];
                        ref readonly float x0 = ref xs[k];
                        if (path == KernelPath.Vector512)
                            Tile2x4_512(in w0, in x0, wStride, xStride, length, ys[r..], yStride, add);
                        else
                            Tile2x4_256(in w0, in x0, wStride, xStride, length, ys[r..], yStride, add);
                    }
                    LeftoverRows(path, w, wStride, r, rows, xStride, k, length, xs, TileTokens, ys, yStride, add);
                }
            }
        }
        // Left-over tokens (and the whole scalar rung): one dot product per output.
        for (; t < tokens; t++)
        {
            var xt = x.Slice(t * xStride, inFeatures);
            for (int r = 0; r < rows; r++)
                y[t * yStride + rowOffset + r] = VectorMath.Dot(path, w.Slice(r * wStride, inFeatures), xt);
        }
    }

    // Rows [from, rows) of a slice that no tile took: one dot product per row and token.
    private static void LeftoverRows(KernelPath path, ReadOnlySpan<float> w, int wStride, int from, int rows, int xStride, int k, int length,
        ReadOnlySpan<float> xs, int tileTokens, Span<float> ys, int yStride, bool add)
    {
        for (int r = from; r < rows; r++)
        {
            var w1 = w.Slice(r * wStride + k, length);
            for (int j = 0; j < tileTokens; j++)
            {
                float dot = VectorMath.Dot(path, w1, xs.Slice(j * xStride + k, length));
                ys[j * yStride + r] = add ? ys[j * yStride + r] + dot : dot;
            }
        }
    }

    // w0: 2 rows, stride apart; x0: 4 tokens, xStride apart; each `length` values from there. Writes (or adds to)
    // y[k·yStride + {0, 1}] for k < 4.
    private static void Tile2x4_256(ref readonly float w0, ref readonly float x0, int stride, int xStride, int length, Span<float> y, int yStride, bool add)
    {
        ref float wa0 = ref Unsafe.AsRef(in w0);
        ref float wb0 = ref Unsafe.Add(ref wa0, stride);
        ref float xa = ref Unsafe.AsRef(in x0);
        ref float xb = ref Unsafe.Add(ref xa, xStride);
        ref float xc = ref Unsafe.Add(ref xb, xStride);
        ref float xd = ref Unsafe.Add(ref xc, xStride);
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        nuint i = 0, len = (nuint)length;
        for (; i + 8 <= len; i += 8)
        {
            var wa = Vector256.LoadUnsafe(ref wa0, i);
            var wb = Vector256.LoadUnsafe(ref wb0, i);
            var v = Vector256.LoadUnsafe(ref xa, i);
            a00 = Vector256.MultiplyAddEstimate(wa, v, a00);
            a10 = Vector256.MultiplyAddEstimate(wb, v, a10);
            v = Vector256.LoadUnsafe(ref xb, i);
            a01 = Vector256.MultiplyAddEstimate(wa, v, a01);
            a11 = Vector256.MultiplyAddEstimate(wb, v, a11);
            v = Vector256.LoadUnsafe(ref xc, i);
            a02 = Vector256.MultiplyAddEstimate(wa, v, a02);
            a12 = Vector256.MultiplyAddEstimate(wb, v, a12);
            v = Vector256.LoadUnsafe(ref xd, i);
            a03 = Vector256.MultiplyAddEstimate(wa, v, a03);
            a13 = Vector256.MultiplyAddEstimate(wb, v, a13);
        }
        Store(y, yStride, 0, Vector256.Sum(a00), Vector256.Sum(a01), Vector256.Sum(a02), Vector256.Sum(a03), ref wa0, ref xa, i, len, xStride, add);
        Store(y, yStride, 1, Vector256.Sum(a10), Vector256.Sum(a11), Vector256.Sum(a12), Vector256.Sum(a13), ref wb0, ref xa, i, len, xStride, add);
    }

    // As Tile2x4_256 with three rows: 12 accumulators hide the FMA latency with room to spare (8 only just do).
    private static void Tile3x4_256(ref readonly float w0, ref readonly float x0, int stride, int xStride, int length, Span<float> y, int yStride, bool add)
    {
        ref float wa0 = ref Unsafe.AsRef(in w0);
        ref float wb0 = ref Unsafe.Add(ref wa0, stride);
        ref float wc0 = ref Unsafe.Add(ref wb0, stride);
        ref float xa = ref Unsafe.AsRef(in x0);
        ref float xb = ref Unsafe.Add(ref xa, xStride);
        ref float xc = ref Unsafe.Add(ref xb, xStride);
        ref float xd = ref Unsafe.Add(ref xc, xStride);
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
        nuint i = 0, len = (nuint)length;
        for (; i + 8 <= len; i += 8)
        {
            var wa = Vector256.LoadUnsafe(ref wa0, i);
            var wb = Vector256.LoadUnsafe(ref wb0, i);
            var wc = Vector256.LoadUnsafe(ref wc0, i);
            var v = Vector256.LoadUnsafe(ref xa, i);
            a00 = Vector256.MultiplyAddEstimate(wa, v, a00);
            a10 = Vector256.MultiplyAddEstimate(wb, v, a10);
            a20 = Vector256.MultiplyAddEstimate(wc, v, a20);
            v = Vector256.LoadUnsafe(ref xb, i);
            a01 = Vector256.MultiplyAddEstimate(wa, v, a01);
            a11 = Vector256.MultiplyAddEstimate(wb, v, a11);
            a21 = Vector256.MultiplyAddEstimate(wc, v, a21);
            v = Vector256.LoadUnsafe(ref xc, i);
            a02 = Vector256.MultiplyAddEstimate(wa, v, a02);
            a12 = Vector256.MultiplyAddEstimate(wb, v, a12);
            a22 = Vector256.MultiplyAddEstimate(wc, v, a22);
            v = Vector256.LoadUnsafe(ref xd, i);
            a03 = Vector256.MultiplyAddEstimate(wa, v, a03);
            a13 = Vector256.MultiplyAddEstimate(wb, v, a13);
            a23 = Vector256.MultiplyAddEstimate(wc, v, a23);
        }
        Store(y, yStride, 0, Vector256.Sum(a00), Vector256.Sum(a01), Vector256.Sum(a02), Vector256.Sum(a03), ref wa0, ref xa, i, len, xStride, add);
        Store(y, yStride, 1, Vector256.Sum(a10), Vector256.Sum(a11), Vector256.Sum(a12), Vector256.Sum(a13), ref wb0, ref xa, i, len, xStride, add);
        Store(y, yStride, 2, Vector256.Sum(a20), Vector256.Sum(a21), Vector256.Sum(a22), Vector256.Sum(a23), ref wc0, ref xa, i, len, xStride, add);
    }

    private static void Tile2x4_512(ref readonly float w0, ref readonly float x0, int stride, int xStride, int length, Span<float> y, int yStride, bool add)
    {
        ref float wa0 = ref Unsafe.AsRef(in w0);
        ref float wb0 = ref Unsafe.Add(ref wa0, stride);
        ref float xa = ref Unsafe.AsRef(in x0);
        ref float xb = ref Unsafe.Add(ref xa, xStride);
        ref float xc = ref Unsafe.Add(ref xb, xStride);
        ref float xd = ref Unsafe.Add(ref xc, xStride);
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        nuint i = 0, len = (nuint)length;
        for (; i + 16 <= len; i += 16)
        {
            var wa = Vector512.LoadUnsafe(ref wa0, i);
            var wb = Vector512.LoadUnsafe(ref wb0, i);
            var v = Vector512.LoadUnsafe(ref xa, i);
            a00 = Vector512.MultiplyAddEstimate(wa, v, a00);
            a10 = Vector512.MultiplyAddEstimate(wb, v, a10);
            v = Vector512.LoadUnsafe(ref xb, i);
            a01 = Vector512.MultiplyAddEstimate(wa, v, a01);
            a11 = Vector512.MultiplyAddEstimate(wb, v, a11);
            v = Vector512.LoadUnsafe(ref xc, i);
            a02 = Vector512.MultiplyAddEstimate(wa, v, a02);
            a12 = Vector512.MultiplyAddEstimate(wb, v, a12);
            v = Vector512.LoadUnsafe(ref xd, i);
            a03 = Vector512.MultiplyAddEstimate(wa, v, a03);
            a13 = Vector512.MultiplyAddEstimate(wb, v, a13);
        }
        Store(y, yStride, 0, Vector512.Sum(a00), Vector512.Sum(a01), Vector512.Sum(a02), Vector512.Sum(a03), ref wa0, ref xa, i, len, xStride, add);
        Store(y, yStride, 1, Vector512.Sum(a10), Vector512.Sum(a11), Vector512.Sum(a12), Vector512.Sum(a13), ref wb0, ref xa, i, len, xStride, add);
    }

    // Four rows × four tokens: 16 accumulators of the 32 registers, 8 loads per 16 FMAs where 2 × 4 needs 6 per 8 (the
    // loads, not the FMA units, had set the pace of AVX-512 prompts).
    private static void Tile4x4_512(ref readonly float w0, ref readonly float x0, int stride, int xStride, int length, Span<float> y, int yStride, bool add)
    {
        ref float wa0 = ref Unsafe.AsRef(in w0);
        ref float wb0 = ref Unsafe.Add(ref wa0, stride);
        ref float wc0 = ref Unsafe.Add(ref wb0, stride);
        ref float wd0 = ref Unsafe.Add(ref wc0, stride);
        ref float xa = ref Unsafe.AsRef(in x0);
        ref float xb = ref Unsafe.Add(ref xa, xStride);
        ref float xc = ref Unsafe.Add(ref xb, xStride);
        ref float xd = ref Unsafe.Add(ref xc, xStride);
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        nuint i = 0, len = (nuint)length;
        for (; i + 16 <= len; i += 16)
        {
            var wa = Vector512.LoadUnsafe(ref wa0, i);
            var wb = Vector512.LoadUnsafe(ref wb0, i);
            var wc = Vector512.LoadUnsafe(ref wc0, i);
            var wd = Vector512.LoadUnsafe(ref wd0, i);
            var v = Vector512.LoadUnsafe(ref xa, i);
            a00 = Vector512.MultiplyAddEstimate(wa, v, a00);
            a10 = Vector512.MultiplyAddEstimate(wb, v, a10);
            a20 = Vector512.MultiplyAddEstimate(wc, v, a20);
            a30 = Vector512.MultiplyAddEstimate(wd, v, a30);
            v = Vector512.LoadUnsafe(ref xb, i);
            a01 = Vector512.MultiplyAddEstimate(wa, v, a01);
            a11 = Vector512.MultiplyAddEstimate(wb, v, a11);
            a21 = Vector512.MultiplyAddEstimate(wc, v, a21);
            a31 = Vector512.MultiplyAddEstimate(wd, v, a31);
            v = Vector512.LoadUnsafe(ref xc, i);
            a02 = Vector512.MultiplyAddEstimate(wa, v, a02);
            a12 = Vector512.MultiplyAddEstimate(wb, v, a12);
            a22 = Vector512.MultiplyAddEstimate(wc, v, a22);
            a32 = Vector512.MultiplyAddEstimate(wd, v, a32);
            v = Vector512.LoadUnsafe(ref xd, i);
            a03 = Vector512.MultiplyAddEstimate(wa, v, a03);
            a13 = Vector512.MultiplyAddEstimate(wb, v, a13);
            a23 = Vector512.MultiplyAddEstimate(wc, v, a23);
            a33 = Vector512.MultiplyAddEstimate(wd, v, a33);
        }
        var s0 = SumFour(a00, a10, a20, a30);
        var s1 = SumFour(a01, a11, a21, a31);
        var s2 = SumFour(a02, a12, a22, a32);
        var s3 = SumFour(a03, a13, a23, a33);
        StoreFourRows(y, 0, s0, ref wa0, ref xa, i, len, stride, add);
        StoreFourRows(y, yStride, s1, ref wa0, ref xb, i, len, stride, add);
        StoreFourRows(y, 2 * yStride, s2, ref wa0, ref xc, i, len, stride, add);
        StoreFourRows(y, 3 * yStride, s3, ref wa0, ref xd, i, len, stride, add);
    }

    // Four rows × six tokens (24 of the 32 registers as accumulators).
    private static void Tile4x6_512(ref readonly float w0, ref readonly float x0, int stride, int xStride, int length, Span<float> y, int yStride, bool add)
    {
        ref float wa0 = ref Unsafe.AsRef(in w0);
        ref float wb0 = ref Unsafe.Add(ref wa0, stride);
        ref float wc0 = ref Unsafe.Add(ref wb0, stride);
        ref float wd0 = ref Unsafe.Add(ref wc0, stride);
        ref float xa = ref Unsafe.AsRef(in x0);
        ref float xb = ref Unsafe.Add(ref xa, xStride);
        ref float xc = ref Unsafe.Add(ref xb, xStride);
        ref float xd = ref Unsafe.Add(ref xc, xStride);
        ref float xe = ref Unsafe.Add(ref xd, xStride);
        ref float xf = ref Unsafe.Add(ref xe, xStride);
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a04 = default, a05 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default, a24 = default, a25 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default, a34 = default, a35 = default;
        nuint i = 0, len = (nuint)length;
        for (; i + 16 <= len; i += 16)
        {
            var wa = Vector512.LoadUnsafe(ref wa0, i);
            var wb = Vector512.LoadUnsafe(ref wb0, i);
            var wc = Vector512.LoadUnsafe(ref wc0, i);
            var wd = Vector512.LoadUnsafe(ref wd0, i);
            var v = Vector512.LoadUnsafe(ref xa, i);
            a00 = Vector512.MultiplyAddEstimate(wa, v, a00); a10 = Vector512.MultiplyAddEstimate(wb, v, a10);
            a20 = Vector512.MultiplyAddEstimate(wc, v, a20); a30 = Vector512.MultiplyAddEstimate(wd, v, a30);
            v = Vector512.LoadUnsafe(ref xb, i);
            a01 = Vector512.MultiplyAddEstimate(wa, v, a01); a11 = Vector512.MultiplyAddEstimate(wb, v, a11);
            a21 = Vector512.MultiplyAddEstimate(wc, v, a21); a31 = Vector512.MultiplyAddEstimate(wd, v, a31);
            v = Vector512.LoadUnsafe(ref xc, i);
            a02 = Vector512.MultiplyAddEstimate(wa, v, a02); a12 = Vector512.MultiplyAddEstimate(wb, v, a12);
            a22 = Vector512.MultiplyAddEstimate(wc, v, a22); a32 = Vector512.MultiplyAddEstimate(wd, v, a32);
            v = Vector512.LoadUnsafe(ref xd, i);
            a03 = Vector512.MultiplyAddEstimate(wa, v, a03); a13 = Vector512.MultiplyAddEstimate(wb, v, a13);
            a23 = Vector512.MultiplyAddEstimate(wc, v, a23); a33 = Vector512.MultiplyAddEstimate(wd, v, a33);
            v = Vector512.LoadUnsafe(ref xe, i);
            a04 = Vector512.MultiplyAddEstimate(wa, v, a04); a14 = Vector512.MultiplyAddEstimate(wb, v, a14);
            a24 = Vector512.MultiplyAddEstimate(wc, v, a24); a34 = Vector512.MultiplyAddEstimate(wd, v, a34);
            v = Vector512.LoadUnsafe(ref xf, i);
            a05 = Vector512.MultiplyAddEstimate(wa, v, a05); a15 = Vector512.MultiplyAddEstimate(wb, v, a15);
            a25 = Vector512.MultiplyAddEstimate(wc, v, a25); a35 = Vector512.MultiplyAddEstimate(wd, v, a35);
        }
        // Every sum before any call: accumulators live across a call get spilled inside the loop.
        var s0 = SumFour(a00, a10, a20, a30);
        var s1 = SumFour(a01, a11, a21, a31);
        var s2 = SumFour(a02, a12, a22, a32);
        var s3 = SumFour(a03, a13, a23, a33);
        var s4 = SumFour(a04, a14, a24, a34);
        var s5 = SumFour(a05, a15, a25, a35);
        StoreFourRows(y, 0, s0, ref wa0, ref xa, i, len, stride, add);
        StoreFourRows(y, yStride, s1, ref wa0, ref xb, i, len, stride, add);
        StoreFourRows(y, 2 * yStride, s2, ref wa0, ref xc, i, len, stride, add);
        StoreFourRows(y, 3 * yStride, s3, ref wa0, ref xd, i, len, stride, add);
        StoreFourRows(y, 4 * yStride, s4, ref wa0, ref xe, i, len, stride, add);
        StoreFourRows(y, 5 * yStride, s5, ref wa0, ref xf, i, len, stride, add);
    }

    // The sums of four accumulators, in order: a tree of adds and horizontal adds (some 20 instructions) where four
    // Vector512.Sum calls take about 100 — at 24 accumulators per tile and slice that was a fifth of the tile's time.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> SumFour(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
    {
        var b0 = a0.GetLower() + a0.GetUpper();
        var b1 = a1.GetLower() + a1.GetUpper();
        var b2 = a2.GetLower() + a2.GetUpper();
        var b3 = a3.GetLower() + a3.GetUpper();
        // Per 128-bit half: [b0 0+1, b0 2+3, b1 0+1, b1 2+3], then [Σb0, Σb1, Σb2, Σb3] of that half.
        var sums = Avx.HorizontalAdd(Avx.HorizontalAdd(b0, b1), Avx.HorizontalAdd(b2, b3));
        return sums.GetLower() + sums.GetUpper();
    }

    // Stores (or adds) one token's sums for four consecutive rows, after adding the scalar tail [i, len) of each row
    // (rows stride apart from wRow) against the token's activations.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFourRows(Span<float> y, int at, Vector128<float> sums, ref float wRow, ref float x, nuint i, nuint len,
        int stride, bool add)
    {
        if (i < len)
            sums += Tail(ref wRow, ref x, i, len, stride);
        var destination = y.Slice(at, 4);
        if (add)
            sums += Vector128.Create<float>(destination);
        sums.CopyTo(destination);
    }

    private static Vector128<float> Tail(ref float wRow, ref float x, nuint i, nuint len, int stride)
    {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (; i < len; i++)
        {
            float xv = Unsafe.Add(ref x, i);
            s0 += Unsafe.Add(ref wRow, i) * xv;
            s1 += Unsafe.Add(ref wRow, i + (nuint)stride) * xv;
            s2 += Unsafe.Add(ref wRow, i + 2 * (nuint)stride) * xv;
            s3 += Unsafe.Add(ref wRow, i + 3 * (nuint)stride) * xv;
        }
        return Vector128.Create(s0, s1, s2, s3);
    }

    // Adds the scalar tail [i, len) of one weight row against each of the 4 tokens and stores (or adds) the 4 results.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Span<float> y, int yStride, int row, float s0, float s1, float s2, float s3,
        ref float wRow, ref float x0, nuint i, nuint len, int stride, bool add)
    {
        for (; i < len; i++)
        {
            float wv = Unsafe.Add(ref wRow, i);
            s0 += wv * Unsafe.Add(ref x0, i);
            s1 += wv * Unsafe.Add(ref x0, i + (nuint)stride);
            s2 += wv * Unsafe.Add(ref x0, i + 2 * (nuint)stride);
            s3 += wv * Unsafe.Add(ref x0, i + 3 * (nuint)stride);
        }
        if (add)
        {
            y[row] += s0;
            y[yStride + row] += s1;
            y[2 * yStride + row] += s2;
            y[3 * yStride + row] += s3;
            return;
        }
        y[row] = s0;
        y[yStride + row] = s1;
        y[2 * yStride + row] = s2;
        y[3 * yStride + row] = s3;
    }
}
