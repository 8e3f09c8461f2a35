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
    /// <c>y[t·yStride + rowOffset + r] = Σ_k x[t·n + k]·W[r, k]</c> for every token and every row of the panels.
    /// </summary>
    /// <remarks>Walking the inputs in L1-sized slices (as <see cref="FloatTiles"/> does) measured no faster here:
    /// each step reads two panel vectors and six activations for 12 FMAs, which L2 keeps up with.</remarks>
    public static void Multiply(ReadOnlySpan<float> panels, int panelCount, int n, ReadOnlySpan<float> x, int tokens,
        Span<float> y, int yStride, int rowOffset)
    {
        fixed (float* w = panels)
        fixed (float* a = x)
        fixed (float* o = y)
        {
            long panelFloats = (long)n * Rows;
            int t = 0;
            for (; t + Tokens <= tokens; t += Tokens)
            {
                float* yt = o + (long)t * yStride + rowOffset;
                int p = 0;
                for (; p + 2 <= panelCount; p += 2)
                    Tile6x16(w + p * panelFloats, w + (p + 1) * panelFloats, a + (long)t * n, n, yt + p * Rows, yStride);
                if (p < panelCount)
                    Tile6x8(w + p * panelFloats, a + (long)t * n, n, yt + p * Rows, yStride);
            }
            for (; t < tokens; t++)
            {
                for (int p = 0; p < panelCount; p++)
                    Tile1x8(w + p * panelFloats, a + (long)t * n, n, o + (long)t * yStride + rowOffset + p * Rows);
            }
        }
    }

    // Six tokens (x, x + n, …) × two panels over all n inputs; stores the 6 × 16 tile.
    private static void Tile6x16(float* wa, float* wb, float* x, int n, float* y, int yStride)
    {
        float* x1 = x + n, x2 = x1 + n, x3 = x2 + n, x4 = x3 + n, x5 = x4 + n;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int k = 0; k < n; k++, wa += Rows, wb += Rows)
        {
            var a = Vector256.Load(wa);
            var b = Vector256.Load(wb);
            var v = Vector256.Create(x[k]);
            c00 = Fma.MultiplyAdd(a, v, c00);
            c01 = Fma.MultiplyAdd(b, v, c01);
            v = Vector256.Create(x1[k]);
            c10 = Fma.MultiplyAdd(a, v, c10);
            c11 = Fma.MultiplyAdd(b, v, c11);
            v = Vector256.Create(x2[k]);
            c20 = Fma.MultiplyAdd(a, v, c20);
            c21 = Fma.MultiplyAdd(b, v, c21);
            v = Vector256.Create(x3[k]);
            c30 = Fma.MultiplyAdd(a, v, c30);
            c31 = Fma.MultiplyAdd(b, v, c31);
            v = Vector256.Create(x4[k]);
            c40 = Fma.MultiplyAdd(a, v, c40);
            c41 = Fma.MultiplyAdd(b, v, c41);
            v = Vector256.Create(x5[k]);
            c50 = Fma.MultiplyAdd(a, v, c50);
            c51 = Fma.MultiplyAdd(b, v, c51);
        }
        c00.Store(y); c01.Store(y + Rows);
        c10.Store(y + yStride); c11.Store(y + yStride + Rows);
        c20.Store(y + 2 * yStride); c21.Store(y + 2 * yStride + Rows);
        c30.Store(y + 3 * yStride); c31.Store(y + 3 * yStride + Rows);
        c40.Store(y + 4 * yStride); c41.Store(y + 4 * yStride + Rows);
        c50.Store(y + 5 * yStride); c51.Store(y + 5 * yStride + Rows);
    }

    private static void Tile6x8(float* wa, float* x, int n, float* y, int yStride)
    {
        float* x1 = x + n, x2 = x1 + n, x3 = x2 + n, x4 = x3 + n, x5 = x4 + n;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        for (int k = 0; k < n; k++, wa += Rows)
        {
            var a = Vector256.Load(wa);
            c0 = Fma.MultiplyAdd(a, Vector256.Create(x[k]), c0);
            c1 = Fma.MultiplyAdd(a, Vector256.Create(x1[k]), c1);
            c2 = Fma.MultiplyAdd(a, Vector256.Create(x2[k]), c2);
            c3 = Fma.MultiplyAdd(a, Vector256.Create(x3[k]), c3);
            c4 = Fma.MultiplyAdd(a, Vector256.Create(x4[k]), c4);
            c5 = Fma.MultiplyAdd(a, Vector256.Create(x5[k]), c5);
        }
        c0.Store(y);
        c1.Store(y + yStride);
        c2.Store(y + 2 * yStride);
        c3.Store(y + 3 * yStride);
        c4.Store(y + 4 * yStride);
        c5.Store(y + 5 * yStride);
    }

    // Left-over tokens: two chains over alternate inputs hide the FMA latency.
    private static void Tile1x8(float* wa, float* x, int n, float* y)
    {
        Vector256<float> c0 = default, c1 = default;
        int k = 0;
        for (; k + 2 <= n; k += 2, wa += 2 * Rows)
        {
            c0 = Fma.MultiplyAdd(Vector256.Load(wa), Vector256.Create(x[k]), c0);
            c1 = Fma.MultiplyAdd(Vector256.Load(wa + Rows), Vector256.Create(x[k + 1]), c1);
        }
        if (k < n)
            c0 = Fma.MultiplyAdd(Vector256.Load(wa), Vector256.Create(x[k]), c0);
        (c0 + c1).Store(y);
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
