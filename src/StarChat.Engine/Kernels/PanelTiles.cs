using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Prompt processing for F16/BF16 weights on AVX2 as an outer-product micro-kernel: the weights, which have to be
/// widened to f32 anyway, are widened into panels of eight rows stored input by input (<c>panel[k·8 + j]</c> =
/// row j's input k), so one vector load holds eight rows' weights for one input. Each step then broadcasts one
/// activation of each of six tokens and does 12 FMAs into a 6 × 16 tile of outputs held in registers; the tile is
/// stored as it is — no horizontal sums, unlike <see cref="FloatTiles"/>' dot-product tiles.
/// </summary>
internal static unsafe class PanelTiles
{
    /// <summary>Rows per panel.</summary>
    public const int Rows = 8;
    private const int Tokens = 6;

    /// <summary>True when this path runs here (AVX2 with FMA).</summary>
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>Widens <paramref name="rows"/> (a multiple of 8) f16 or bf16 rows of <paramref name="n"/> values into panels.</summary>
    public static void Pack(ReadOnlySpan<ushort> w, int rows, int n, bool bfloat16, Span<float> panels)
    {
        var half = new HalfWidening.Half256();
        ref ushort source = ref MemoryMarshal.GetReference(w);
        fixed (float* target = panels)
        {
            for (int p = 0; p < rows / Rows; p++)
            {
                float* panel = target + (long)p * n * Rows;
                nuint first = (nuint)(p * Rows) * (nuint)n;
                int k = 0;
                for (; k + 8 <= n; k += 8)
                {
                    nuint at = first + (nuint)k;
                    var r0 = Widen(ref source, at, half, bfloat16);
                    var r1 = Widen(ref source, at + (nuint)n, half, bfloat16);
                    var r2 = Widen(ref source, at + 2 * (nuint)n, half, bfloat16);
                    var r3 = Widen(ref source, at + 3 * (nuint)n, half, bfloat16);
                    var r4 = Widen(ref source, at + 4 * (nuint)n, half, bfloat16);
                    var r5 = Widen(ref source, at + 5 * (nuint)n, half, bfloat16);
                    var r6 = Widen(ref source, at + 6 * (nuint)n, half, bfloat16);
                    var r7 = Widen(ref source, at + 7 * (nuint)n, half, bfloat16);
                    Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                    float* o = panel + (long)k * Rows;
                    r0.Store(o);
                    r1.Store(o + 8);
                    r2.Store(o + 16);
                    r3.Store(o + 24);
                    r4.Store(o + 32);
                    r5.Store(o + 40);
                    r6.Store(o + 48);
                    r7.Store(o + 56);
                }
                for (; k < n; k++)
                {
                    for (int j = 0; j < Rows; j++)
                    {
                        ushort bits = Unsafe.Add(ref source, first + (nuint)j * (nuint)n + (nuint)k);
                        panel[(long)k * Rows + j] = bfloat16 ? HalfWidening.BFloat16ToSingle(bits) : HalfWidening.HalfToSingle(bits);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Widens <paramref name="rows"/> (a multiple of 8) f16 rows into panels as f32·2^−112 with
    /// <see cref="RebiasedHalf"/>'s shortcut, for activations scaled by <see cref="RebiasedHalf.TryScale"/>. False
    /// when a weight is infinite or NaN, which the shortcut cannot express: then pack with <see cref="Pack"/>.
    /// </summary>
    /// <remarks>
    /// Sixteen inputs of eight rows at a time: the rows' pairs of consecutive halves are transposed as 32-bit lanes
    /// (vector i then holds inputs 2i and 2i + 1 of all eight rows) and only then widened, each pair vector into two
    /// panel vectors — a third fewer instructions than widening each row and transposing the floats (the pack was
    /// 6.9 % of an F16 pp128 profile, 5.4 % this way).
    /// </remarks>
    public static bool TryPackRebiased(ReadOnlySpan<ushort> w, int rows, int n, Span<float> panels)
    {
        ref ushort source = ref MemoryMarshal.GetReference(w);
        var mask = RebiasedHalf.Mask;
        Vector256<ushort> largest = default;
        bool finite = true;
        fixed (float* target = panels)
        {
            for (int p = 0; p < rows / Rows; p++)
            {
                float* panel = target + (long)p * n * Rows;
                nuint first = (nuint)(p * Rows) * (nuint)n;
                int k = 0;
                for (; k + 16 <= n; k += 16)
                {
                    nuint at = first + (nuint)k;
                    var h0 = Vector256.LoadUnsafe(ref source, at);
                    var h1 = Vector256.LoadUnsafe(ref source, at + (nuint)n);
                    var h2 = Vector256.LoadUnsafe(ref source, at + 2 * (nuint)n);
                    var h3 = Vector256.LoadUnsafe(ref source, at + 3 * (nuint)n);
                    var h4 = Vector256.LoadUnsafe(ref source, at + 4 * (nuint)n);
                    var h5 = Vector256.LoadUnsafe(ref source, at + 5 * (nuint)n);
                    var h6 = Vector256.LoadUnsafe(ref source, at + 6 * (nuint)n);
                    var h7 = Vector256.LoadUnsafe(ref source, at + 7 * (nuint)n);
                    largest = Avx2.Max(largest, Avx2.Max(Avx2.Max(Avx2.Max(h0 + h0, h1 + h1), Avx2.Max(h2 + h2, h3 + h3)),
                        Avx2.Max(Avx2.Max(h4 + h4, h5 + h5), Avx2.Max(h6 + h6, h7 + h7))));
                    var r0 = h0.AsSingle();
                    var r1 = h1.AsSingle();
                    var r2 = h2.AsSingle();
                    var r3 = h3.AsSingle();
                    var r4 = h4.AsSingle();
                    var r5 = h5.AsSingle();
                    var r6 = h6.AsSingle();
                    var r7 = h7.AsSingle();
                    Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                    float* o = panel + (long)k * Rows;
                    StorePairs(o, r0, mask);
                    StorePairs(o + 2 * Rows, r1, mask);
                    StorePairs(o + 4 * Rows, r2, mask);
                    StorePairs(o + 6 * Rows, r3, mask);
                    StorePairs(o + 8 * Rows, r4, mask);
                    StorePairs(o + 10 * Rows, r5, mask);
                    StorePairs(o + 12 * Rows, r6, mask);
                    StorePairs(o + 14 * Rows, r7, mask);
                }
                for (; k < n; k++)
                {
                    for (int j = 0; j < Rows; j++)
                    {
                        ushort bits = Unsafe.Add(ref source, first + (nuint)j * (nuint)n + (nuint)k);
                        finite &= (bits & 0x7C00) != 0x7C00;
                        panel[(long)k * Rows + j] = RebiasedHalf.Scalar(bits);
                    }
                }
            }
        }
        return finite && !Vector256.GreaterThanOrEqualAny(largest, Vector256.Create(RebiasedHalf.InfOrNaNDoubled));
    }

    // Transposed pairs (inputs 2i and 2i + 1 of the eight rows) into the panel rows of those two inputs.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePairs(float* o, Vector256<float> pairs, Vector256<int> mask)
    {
        var (first, second) = RebiasedHalf.Pairs(pairs.AsInt32(), mask);
        first.Store(o);
        second.Store(o + Rows);
    }

    /// <summary>
    /// <c>y[t·yStride + rowOffset + r] = bias[r] + Σ_k x[t·xStride + k]·W[r, k]</c> for every token and every row of the
    /// panels (<paramref name="bias"/>: empty, or a value per row).
    /// </summary>
    /// <remarks>
    /// Tokens go six at a time; a rest of one or two borrows from the last six (7 = 4 + 3, 8 = 4 + 4): one or two
    /// tokens alone have too few accumulator chains to keep the FMA units busy, and 128 = 21·6 + 2 run that way
    /// measured 10 % slower. Walking the inputs in L1-sized slices measured slower here, also with the sums kept in a
    /// block-local buffer between slices: each step reads two panel vectors and six activations for 12 FMAs, which
    /// L2 keeps up with.
    /// </remarks>
    public static void Multiply(ReadOnlySpan<float> panels, int panelCount, int n, ReadOnlySpan<float> x, int xStride,
        int tokens, Span<float> y, int yStride, int rowOffset, ReadOnlySpan<float> bias)
    {
        fixed (float* w = panels)
        fixed (float* a = x)
        fixed (float* o = y)
        fixed (float* b = bias)
        {
            long panelFloats = (long)n * Rows;
            int t = 0;
            while (t < tokens)
            {
                int group = GroupSize(tokens - t);
                float* xt = a + (long)t * xStride;
                float* yt = o + (long)t * yStride + rowOffset;
                for (int p = 0; p < panelCount; p += 2)
                {
                    float* pb = b is null ? null : b + p * Rows;
                    if (p + 1 < panelCount)
                        TileFor<Two>(group, w + p * panelFloats, panelFloats, xt, xStride, n, yt + p * Rows, yStride, pb);
                    else
                        TileFor<One>(group, w + p * panelFloats, panelFloats, xt, xStride, n, yt + p * Rows, yStride, pb);
                }
                t += group;
            }
        }
    }

    private static int GroupSize(int rest) => rest switch
    {
        >= 9 => Tokens,
        7 or 8 => 4,
        _ => rest,
    };

    private static void TileFor<TPanels>(int tokens, float* w, long panelFloats, float* x, int xStride, int n,
        float* y, int yStride, float* bias) where TPanels : struct, ITileCount
    {
        switch (tokens)
        {
            case 6: Tile<Six, TPanels>(w, panelFloats, x, xStride, n, y, yStride, bias); break;
            case 5: Tile<Five, TPanels>(w, panelFloats, x, xStride, n, y, yStride, bias); break;
            case 4: Tile<Four, TPanels>(w, panelFloats, x, xStride, n, y, yStride, bias); break;
            case 3: Tile<Three, TPanels>(w, panelFloats, x, xStride, n, y, yStride, bias); break;
            case 2: Tile<Two, TPanels>(w, panelFloats, x, xStride, n, y, yStride, bias); break;
            default: Tile<One, TPanels>(w, panelFloats, x, xStride, n, y, yStride, bias); break;
        }
    }

    // TTokens tokens (x, x + xStride, …) × TPanels panels (w, w + panelFloats) over all n inputs: one activation
    // broadcast per token and input feeds an FMA per panel, into a tile of outputs held in registers (6 × 2 panels:
    // 12 accumulators, enough independent chains to keep both FMA units busy), which start from the bias (null: 0).
    private static void Tile<TTokens, TPanels>(float* wa, long panelFloats, float* x, int xStride, int n, float* y,
        int yStride, float* bias) where TTokens : struct, ITileCount where TPanels : struct, ITileCount
    {
        int tokens = TTokens.Value;
        bool two = TPanels.Value == 2;
        float* wb = wa + panelFloats;
        float* x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride, x4 = x3 + xStride, x5 = x4 + xStride;
        float* y1 = y + yStride, y2 = y1 + yStride, y3 = y2 + yStride, y4 = y3 + yStride, y5 = y4 + yStride;
        var ba = bias is null ? default : Vector256.Load(bias);
        var bb = bias is null || !two ? default : Vector256.Load(bias + Rows);
        Vector256<float> c00 = ba, c01 = bb, c10 = ba, c11 = bb, c20 = ba, c21 = bb;
        Vector256<float> c30 = ba, c31 = bb, c40 = ba, c41 = bb, c50 = ba, c51 = bb;
        for (int k = 0; k < n; k++, wa += Rows, wb += Rows)
        {
            var a = Vector256.Load(wa);
            var b = two ? Vector256.Load(wb) : default;
            var v = Vector256.Create(x[k]);
            c00 = Fma.MultiplyAdd(a, v, c00);
            if (two) c01 = Fma.MultiplyAdd(b, v, c01);
            if (tokens > 1)
            {
                v = Vector256.Create(x1[k]);
                c10 = Fma.MultiplyAdd(a, v, c10);
                if (two) c11 = Fma.MultiplyAdd(b, v, c11);
            }
            if (tokens > 2)
            {
                v = Vector256.Create(x2[k]);
                c20 = Fma.MultiplyAdd(a, v, c20);
                if (two) c21 = Fma.MultiplyAdd(b, v, c21);
            }
            if (tokens > 3)
            {
                v = Vector256.Create(x3[k]);
                c30 = Fma.MultiplyAdd(a, v, c30);
                if (two) c31 = Fma.MultiplyAdd(b, v, c31);
            }
            if (tokens > 4)
            {
                v = Vector256.Create(x4[k]);
                c40 = Fma.MultiplyAdd(a, v, c40);
                if (two) c41 = Fma.MultiplyAdd(b, v, c41);
            }
            if (tokens > 5)
            {
                v = Vector256.Create(x5[k]);
                c50 = Fma.MultiplyAdd(a, v, c50);
                if (two) c51 = Fma.MultiplyAdd(b, v, c51);
            }
        }
        c00.Store(y);
        if (two) c01.Store(y + Rows);
        if (tokens > 1) { c10.Store(y1); if (two) c11.Store(y1 + Rows); }
        if (tokens > 2) { c20.Store(y2); if (two) c21.Store(y2 + Rows); }
        if (tokens > 3) { c30.Store(y3); if (two) c31.Store(y3 + Rows); }
        if (tokens > 4) { c40.Store(y4); if (two) c41.Store(y4 + Rows); }
        if (tokens > 5) { c50.Store(y5); if (two) c51.Store(y5 + Rows); }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen(ref ushort source, nuint at, HalfWidening.Half256 half, bool bfloat16)
    {
        var bits = HalfWidening.Load8(ref source, at);
        return bfloat16 ? HalfWidening.BFloat16ToSingle(bits) : half.Widen(bits);
    }

    // rᵢ[j] ← rⱼ[i]: unpack pairs, then quads, then swap 128-bit halves.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0b01_00_01_00);
        var u1 = Avx.Shuffle(t0, t2, 0b11_10_11_10);
        var u2 = Avx.Shuffle(t1, t3, 0b01_00_01_00);
        var u3 = Avx.Shuffle(t1, t3, 0b11_10_11_10);
        var u4 = Avx.Shuffle(t4, t6, 0b01_00_01_00);
        var u5 = Avx.Shuffle(t4, t6, 0b11_10_11_10);
        var u6 = Avx.Shuffle(t5, t7, 0b01_00_01_00);
        var u7 = Avx.Shuffle(t5, t7, 0b11_10_11_10);
        r0 = Avx.Permute2x128(u0, u4, 0x20);
        r1 = Avx.Permute2x128(u1, u5, 0x20);
        r2 = Avx.Permute2x128(u2, u6, 0x20);
        r3 = Avx.Permute2x128(u3, u7, 0x20);
        r4 = Avx.Permute2x128(u0, u4, 0x31);
        r5 = Avx.Permute2x128(u1, u5, 0x31);
        r6 = Avx.Permute2x128(u2, u6, 0x31);
        r7 = Avx.Permute2x128(u3, u7, 0x31);
    }
}
