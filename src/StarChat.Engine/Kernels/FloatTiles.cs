using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels;

/// <summary>
/// y[t, rowOffset + r] = Σ_i x[t, i]·w[r, i] for f32 weight rows and several tokens: the prompt-processing path.
/// Works on tiles of 2 weight rows × 4 tokens, so each weight vector loaded is used 4 times and each activation
/// vector twice, with 8 independent accumulators in flight.
/// </summary>
internal static class FloatTiles
{
    private const int TileTokens = 4;

    public static void Multiply(KernelPath path, ReadOnlySpan<float> w, int rows, ReadOnlySpan<float> x, int tokens,
        int inFeatures, Span<float> y, int yStride, int rowOffset)
    {
        int t = 0;
        if (path != KernelPath.Scalar)
        {
            for (; t + TileTokens <= tokens; t += TileTokens)
            {
                var xs = x.Slice(t * inFeatures, TileTokens * inFeatures);
                var ys = y[(t * yStride + rowOffset)..];
                int r = 0;
                for (; r + 2 <= rows; r += 2)
                {
                    var w2 = w.Slice(r * inFeatures, 2 * inFeatures);
                    if (path == KernelPath.Vector512)
                        Tile2x4_512(w2, xs, inFeatures, ys[r..], yStride);
                    else
                        Tile2x4_256(w2, xs, inFeatures, ys[r..], yStride);
                }
                for (; r < rows; r++)
                {
                    var w1 = w.Slice(r * inFeatures, inFeatures);
                    for (int k = 0; k < TileTokens; k++)
                        ys[k * yStride + r] = VectorMath.Dot(path, w1, xs.Slice(k * inFeatures, inFeatures));
                }
            }
        }
        // Left-over tokens (and the whole scalar rung): one dot product per output.
        for (; t < tokens; t++)
        {
            var xt = x.Slice(t * inFeatures, inFeatures);
            for (int r = 0; r < rows; r++)
                y[t * yStride + rowOffset + r] = VectorMath.Dot(path, w.Slice(r * inFeatures, inFeatures), xt);
        }
    }

    // w: 2 rows; x: 4 tokens; writes y[k·yStride + {0, 1}] for k < 4.
    private static void Tile2x4_256(ReadOnlySpan<float> w, ReadOnlySpan<float> x, int n, Span<float> y, int yStride)
    {
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float w1 = ref Unsafe.Add(ref w0, n);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float x1 = ref Unsafe.Add(ref x0, n);
        ref float x2 = ref Unsafe.Add(ref x1, n);
        ref float x3 = ref Unsafe.Add(ref x2, n);
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        nuint i = 0, len = (nuint)n;
        for (; i + 8 <= len; i += 8)
        {
            var wa = Vector256.LoadUnsafe(ref w0, i);
            var wb = Vector256.LoadUnsafe(ref w1, i);
            var v = Vector256.LoadUnsafe(ref x0, i);
            a00 = Vector256.MultiplyAddEstimate(wa, v, a00);
            a10 = Vector256.MultiplyAddEstimate(wb, v, a10);
            v = Vector256.LoadUnsafe(ref x1, i);
            a01 = Vector256.MultiplyAddEstimate(wa, v, a01);
            a11 = Vector256.MultiplyAddEstimate(wb, v, a11);
            v = Vector256.LoadUnsafe(ref x2, i);
            a02 = Vector256.MultiplyAddEstimate(wa, v, a02);
            a12 = Vector256.MultiplyAddEstimate(wb, v, a12);
            v = Vector256.LoadUnsafe(ref x3, i);
            a03 = Vector256.MultiplyAddEstimate(wa, v, a03);
            a13 = Vector256.MultiplyAddEstimate(wb, v, a13);
        }
        Store(y, yStride, 0, Vector256.Sum(a00), Vector256.Sum(a01), Vector256.Sum(a02), Vector256.Sum(a03), ref w0, ref x0, i, len, n);
        Store(y, yStride, 1, Vector256.Sum(a10), Vector256.Sum(a11), Vector256.Sum(a12), Vector256.Sum(a13), ref w1, ref x0, i, len, n);
    }

    private static void Tile2x4_512(ReadOnlySpan<float> w, ReadOnlySpan<float> x, int n, Span<float> y, int yStride)
    {
        ref float w0 = ref MemoryMarshal.GetReference(w);
        ref float w1 = ref Unsafe.Add(ref w0, n);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float x1 = ref Unsafe.Add(ref x0, n);
        ref float x2 = ref Unsafe.Add(ref x1, n);
        ref float x3 = ref Unsafe.Add(ref x2, n);
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        nuint i = 0, len = (nuint)n;
        for (; i + 16 <= len; i += 16)
        {
            var wa = Vector512.LoadUnsafe(ref w0, i);
            var wb = Vector512.LoadUnsafe(ref w1, i);
            var v = Vector512.LoadUnsafe(ref x0, i);
            a00 = Vector512.MultiplyAddEstimate(wa, v, a00);
            a10 = Vector512.MultiplyAddEstimate(wb, v, a10);
            v = Vector512.LoadUnsafe(ref x1, i);
            a01 = Vector512.MultiplyAddEstimate(wa, v, a01);
            a11 = Vector512.MultiplyAddEstimate(wb, v, a11);
            v = Vector512.LoadUnsafe(ref x2, i);
            a02 = Vector512.MultiplyAddEstimate(wa, v, a02);
            a12 = Vector512.MultiplyAddEstimate(wb, v, a12);
            v = Vector512.LoadUnsafe(ref x3, i);
            a03 = Vector512.MultiplyAddEstimate(wa, v, a03);
            a13 = Vector512.MultiplyAddEstimate(wb, v, a13);
        }
        Store(y, yStride, 0, Vector512.Sum(a00), Vector512.Sum(a01), Vector512.Sum(a02), Vector512.Sum(a03), ref w0, ref x0, i, len, n);
        Store(y, yStride, 1, Vector512.Sum(a10), Vector512.Sum(a11), Vector512.Sum(a12), Vector512.Sum(a13), ref w1, ref x0, i, len, n);
    }

    // Adds the scalar tail [i, len) of one weight row against each of the 4 tokens and stores the 4 results.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Span<float> y, int yStride, int row, float s0, float s1, float s2, float s3,
        ref float wRow, ref float x0, nuint i, nuint len, int n)
    {
        for (; i < len; i++)
        {
            float wv = Unsafe.Add(ref wRow, i);
            s0 += wv * Unsafe.Add(ref x0, i);
            s1 += wv * Unsafe.Add(ref x0, i + (nuint)n);
            s2 += wv * Unsafe.Add(ref x0, i + 2 * (nuint)n);
            s3 += wv * Unsafe.Add(ref x0, i + 3 * (nuint)n);
        }
        y[row] = s0;
        y[yStride + row] = s1;
        y[2 * yStride + row] = s2;
        y[3 * yStride + row] = s3;
    }
}
