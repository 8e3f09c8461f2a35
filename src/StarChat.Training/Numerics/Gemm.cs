using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StarChat.Training.Numerics;

/// <summary>
/// The three matrix products training needs, on row-major matrices given as a span, a leading dimension (the
/// distance between rows) and a size, in f32 or f64:
/// <list type="bullet">
/// <item><see cref="MultiplyByTransposed{T}"/> (NT): <c>Y[i,j] (+)= Σ_p X[i,p]·W[j,p]</c>: a linear layer's forward pass (W is <c>[out, in]</c>).</item>
/// <item><see cref="Multiply{T}"/> (NN): <c>Y[i,j] (+)= Σ_p X[i,p]·W[p,j]</c>: the gradient of a linear layer's input.</item>
/// <item><see cref="MultiplyTransposedBy{T}"/> (TN): <c>Y[i,j] (+)= Σ_p A[p,i]·X[p,j]</c>: the gradient of a weight.</item>
/// </list>
/// Each has a scalar reference (<c>…Scalar</c>) that defines the result and a <see cref="Vector{T}"/> path that
/// computes the same sums in another order (results may differ in the last bits). Every output element is summed in
/// a fixed order, however the caller splits rows over threads, so training runs are reproducible.
/// </summary>
internal static class Gemm
{
    /// <summary>NT: <c>y[i·ldy+j] = (accumulate ? y : 0) + Σ_p x[i·ldx+p]·w[j·ldw+p]</c>, i &lt; rows, j &lt; cols, p &lt; depth.</summary>
    public static void MultiplyByTransposed<T>(ReadOnlySpan<T> x, int ldx, ReadOnlySpan<T> w, int ldw, Span<T> y, int ldy,
        int rows, int cols, int depth, bool accumulate) where T : unmanaged, INumberBase<T>
    {
        CheckNT(x.Length, ldx, w.Length, ldw, y.Length, ldy, rows, cols, depth);
        if (Vector.IsHardwareAccelerated && depth >= Vector<T>.Count)
            MultiplyByTransposedVector(x, ldx, w, ldw, y, ldy, rows, cols, depth, accumulate);
        else
            MultiplyByTransposedScalar(x, ldx, w, ldw, y, ldy, rows, cols, depth, accumulate);
    }

    /// <summary>NN: <c>y[i·ldy+j] = (accumulate ? y : 0) + Σ_p x[i·ldx+p]·w[p·ldw+j]</c>, i &lt; rows, j &lt; cols, p &lt; depth.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> x, int ldx, ReadOnlySpan<T> w, int ldw, Span<T> y, int ldy,
        int rows, int cols, int depth, bool accumulate) where T : unmanaged, INumberBase<T>
    {
        CheckSizes(rows, cols, depth);
        CheckOperand("x", x.Length, SpanNeeded(rows, depth, ldx), ldx, depth);
        CheckRightAndResult(w.Length, ldw, y.Length, ldy, rows, cols, depth);
        if (Vector.IsHardwareAccelerated && cols >= Vector<T>.Count)
            MultiplyVector(x, ldx, 1, w, ldw, y, ldy, rows, cols, depth, accumulate);
        else
            MultiplyScalar(x, ldx, 1, w, ldw, y, ldy, rows, cols, depth, accumulate);
    }

    /// <summary>TN: <c>y[i·ldy+j] = (accumulate ? y : 0) + Σ_p a[p·lda+i]·x[p·ldx+j]</c>, i &lt; rows, j &lt; cols, p &lt; depth.</summary>
    public static void MultiplyTransposedBy<T>(ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> x, int ldx, Span<T> y, int ldy,
        int rows, int cols, int depth, bool accumulate) where T : unmanaged, INumberBase<T>
    {
        // Aᵀ·X is NN with the left operand read down its columns: element (i, p) of Aᵀ sits at a[p·lda + i].
        CheckSizes(rows, cols, depth);
        CheckOperand("a", a.Length, SpanNeeded(depth, rows, lda), lda, rows);
        CheckRightAndResult(x.Length, ldx, y.Length, ldy, rows, cols, depth);
        if (Vector.IsHardwareAccelerated && cols >= Vector<T>.Count)
            MultiplyVector(a, 1, lda, x, ldx, y, ldy, rows, cols, depth, accumulate);
        else
            MultiplyScalar(a, 1, lda, x, ldx, y, ldy, rows, cols, depth, accumulate);
    }

    internal static void MultiplyByTransposedScalar<T>(ReadOnlySpan<T> x, int ldx, ReadOnlySpan<T> w, int ldw, Span<T> y, int ldy,
        int rows, int cols, int depth, bool accumulate) where T : unmanaged, INumberBase<T>
    {
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < depth; p++)
                    sum += x[i * ldx + p] * w[j * ldw + p];
                y[i * ldy + j] = accumulate ? y[i * ldy + j] + sum : sum;
            }
        }
    }

    // Left operand element (i, p) at x[i·rowStep + p·depthStep]: (ldx, 1) for NN, (1, lda) for TN.
    internal static void MultiplyScalar<T>(ReadOnlySpan<T> x, int rowStep, int depthStep, ReadOnlySpan<T> w, int ldw, Span<T> y, int ldy,
        int rows, int cols, int depth, bool accumulate) where T : unmanaged, INumberBase<T>
    {
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < depth; p++)
                    sum += x[i * rowStep + p * depthStep] * w[p * ldw + j];
                y[i * ldy + j] = accumulate ? y[i * ldy + j] + sum : sum;
            }
        }
    }

    // Tiles of 4 rows × 2 columns share their loads: each step of p reads 4 + 2 vectors for 8 products.
    internal static void MultiplyByTransposedVector<T>(ReadOnlySpan<T> x, int ldx, ReadOnlySpan<T> w, int ldw, Span<T> y, int ldy,
        int rows, int cols, int depth, bool accumulate) where T : unmanaged, INumberBase<T>
    {
        ref T px = ref MemoryMarshal.GetReference(x);
        ref T pw = ref MemoryMarshal.GetReference(w);
        int vc = Vector<T>.Count;
        int vecDepth = depth - depth % vc;
        int i = 0;
        for (; i + 4 <= rows; i += 4)
        {
            ref T x0 = ref Unsafe.Add(ref px, i * ldx);
            ref T x1 = ref Unsafe.Add(ref x0, ldx);
            ref T x2 = ref Unsafe.Add(ref x1, ldx);
            ref T x3 = ref Unsafe.Add(ref x2, ldx);
            int j = 0;
            for (; j + 2 <= cols; j += 2)
            {
                ref T w0 = ref Unsafe.Add(ref pw, j * ldw);
                ref T w1 = ref Unsafe.Add(ref w0, ldw);
                Vector<T> a00 = default, a01 = default, a10 = default, a11 = default;
                Vector<T> a20 = default, a21 = default, a30 = default, a31 = default;
                for (int p = 0; p < vecDepth; p += vc)
                {
                    var v0 = Vector.LoadUnsafe(ref w0, (nuint)p);
                    var v1 = Vector.LoadUnsafe(ref w1, (nuint)p);
                    var u = Vector.LoadUnsafe(ref x0, (nuint)p);
                    a00 = Fma.MultiplyAdd(u, v0, a00); a01 = Fma.MultiplyAdd(u, v1, a01);
                    u = Vector.LoadUnsafe(ref x1, (nuint)p);
                    a10 = Fma.MultiplyAdd(u, v0, a10); a11 = Fma.MultiplyAdd(u, v1, a11);
                    u = Vector.LoadUnsafe(ref x2, (nuint)p);
                    a20 = Fma.MultiplyAdd(u, v0, a20); a21 = Fma.MultiplyAdd(u, v1, a21);
                    u = Vector.LoadUnsafe(ref x3, (nuint)p);
                    a30 = Fma.MultiplyAdd(u, v0, a30); a31 = Fma.MultiplyAdd(u, v1, a31);
                }
                Store(y, (i + 0) * ldy + j, Vector.Sum(a00) + Tail(ref x0, ref w0, vecDepth, depth), accumulate);
                Store(y, (i + 0) * ldy + j + 1, Vector.Sum(a01) + Tail(ref x0, ref w1, vecDepth, depth), accumulate);
                Store(y, (i + 1) * ldy + j, Vector.Sum(a10) + Tail(ref x1, ref w0, vecDepth, depth), accumulate);
                Store(y, (i + 1) * ldy + j + 1, Vector.Sum(a11) + Tail(ref x1, ref w1, vecDepth, depth), accumulate);
                Store(y, (i + 2) * ldy + j, Vector.Sum(a20) + Tail(ref x2, ref w0, vecDepth, depth), accumulate);
                Store(y, (i + 2) * ldy + j + 1, Vector.Sum(a21) + Tail(ref x2, ref w1, vecDepth, depth), accumulate);
                Store(y, (i + 3) * ldy + j, Vector.Sum(a30) + Tail(ref x3, ref w0, vecDepth, depth), accumulate);
                Store(y, (i + 3) * ldy + j + 1, Vector.Sum(a31) + Tail(ref x3, ref w1, vecDepth, depth), accumulate);
            }
            for (; j < cols; j++)
            {
                ref T w0 = ref Unsafe.Add(ref pw, j * ldw);
                Store(y, (i + 0) * ldy + j, Dot(ref x0, ref w0, vecDepth, depth), accumulate);
                Store(y, (i + 1) * ldy + j, Dot(ref x1, ref w0, vecDepth, depth), accumulate);
                Store(y, (i + 2) * ldy + j, Dot(ref x2, ref w0, vecDepth, depth), accumulate);
                Store(y, (i + 3) * ldy + j, Dot(ref x3, ref w0, vecDepth, depth), accumulate);
            }
        }
        for (; i < rows; i++)
        {
            ref T x0 = ref Unsafe.Add(ref px, i * ldx);
            for (int j = 0; j < cols; j++)
                Store(y, i * ldy + j, Dot(ref x0, ref Unsafe.Add(ref pw, j * ldw), vecDepth, depth), accumulate);
        }
    }

    // Depth block of the packed panels: 256 rows × 2 vectors of f32 is 16 KB, which stays in L1 while every row tile
    // of x passes over it.
    private const int PanelDepth = 256;

    // Tiles of 4 rows × 2 vectors of columns: each step of p broadcasts 4 left values against 2 loaded vectors.
    // The right operand is packed, panel by panel (2 vectors wide, PanelDepth deep), into contiguous memory first:
    // read in place, rows ldw apart alias to a few cache sets when ldw is a power of two, and every load misses.
    internal static void MultiplyVector<T>(ReadOnlySpan<T> x, int rowStep, int depthStep, ReadOnlySpan<T> w, int ldw, Span<T> y, int ldy,
        int rows, int cols, int depth, bool accumulate) where T : unmanaged, INumberBase<T>
    {
        ref T px = ref MemoryMarshal.GetReference(x);
        ref T pw = ref MemoryMarshal.GetReference(w);
        ref T py = ref MemoryMarshal.GetReference(y);
        int vc = Vector<T>.Count, panelWidth = 2 * vc;
        int fullCols = cols - cols % panelWidth;
        var panel = PanelBuffer<T>.Get(PanelDepth * panelWidth);
        ref T pp = ref MemoryMarshal.GetArrayDataReference(panel);
        for (int p0 = 0; p0 < depth || p0 == 0; p0 += PanelDepth)
        {
            int kc = Math.Min(PanelDepth, depth - p0);
            bool add = accumulate || p0 > 0;
            ref T xBlock = ref Unsafe.Add(ref px, p0 * depthStep);
            for (int j = 0; j < fullCols; j += panelWidth)
            {
                for (int p = 0; p < kc; p++)
                {
                    ref T source = ref Unsafe.Add(ref pw, (p0 + p) * ldw + j);
                    Vector.LoadUnsafe(ref source).StoreUnsafe(ref pp, (nuint)(p * panelWidth));
                    Vector.LoadUnsafe(ref source, (nuint)vc).StoreUnsafe(ref pp, (nuint)(p * panelWidth + vc));
                }
                int i = 0;
                for (; i + 4 <= rows; i += 4)
                {
                    ref T x0 = ref Unsafe.Add(ref xBlock, i * rowStep);
                    ref T x1 = ref Unsafe.Add(ref x0, rowStep);
                    ref T x2 = ref Unsafe.Add(ref x1, rowStep);
                    ref T x3 = ref Unsafe.Add(ref x2, rowStep);
                    Vector<T> a00 = default, a01 = default, a10 = default, a11 = default;
                    Vector<T> a20 = default, a21 = default, a30 = default, a31 = default;
                    for (int p = 0; p < kc; p++)
                    {
                        var v0 = Vector.LoadUnsafe(ref pp, (nuint)(p * panelWidth));
                        var v1 = Vector.LoadUnsafe(ref pp, (nuint)(p * panelWidth + vc));
                        int at = p * depthStep;
                        var u = new Vector<T>(Unsafe.Add(ref x0, at));
                        a00 = Fma.MultiplyAdd(u, v0, a00); a01 = Fma.MultiplyAdd(u, v1, a01);
                        u = new Vector<T>(Unsafe.Add(ref x1, at));
                        a10 = Fma.MultiplyAdd(u, v0, a10); a11 = Fma.MultiplyAdd(u, v1, a11);
                        u = new Vector<T>(Unsafe.Add(ref x2, at));
                        a20 = Fma.MultiplyAdd(u, v0, a20); a21 = Fma.MultiplyAdd(u, v1, a21);
                        u = new Vector<T>(Unsafe.Add(ref x3, at));
                        a30 = Fma.MultiplyAdd(u, v0, a30); a31 = Fma.MultiplyAdd(u, v1, a31);
                    }
                    StoreVector(ref py, (i + 0) * ldy + j, vc, a00, a01, add);
                    StoreVector(ref py, (i + 1) * ldy + j, vc, a10, a11, add);
                    StoreVector(ref py, (i + 2) * ldy + j, vc, a20, a21, add);
                    StoreVector(ref py, (i + 3) * ldy + j, vc, a30, a31, add);
                }
                for (; i < rows; i++)
                {
                    ref T x0 = ref Unsafe.Add(ref xBlock, i * rowStep);
                    Vector<T> a0 = default, a1 = default;
                    for (int p = 0; p < kc; p++)
                    {
                        var u = new Vector<T>(Unsafe.Add(ref x0, p * depthStep));
                        a0 = Fma.MultiplyAdd(u, Vector.LoadUnsafe(ref pp, (nuint)(p * panelWidth)), a0);
                        a1 = Fma.MultiplyAdd(u, Vector.LoadUnsafe(ref pp, (nuint)(p * panelWidth + vc)), a1);
                    }
                    StoreVector(ref py, i * ldy + j, vc, a0, a1, add);
                }
            }
            if (fullCols < cols)
            {
                for (int i = 0; i < rows; i++)
                    MultiplyRowTail(ref Unsafe.Add(ref xBlock, i * rowStep), depthStep, ref Unsafe.Add(ref pw, p0 * ldw), ldw,
                        ref Unsafe.Add(ref py, i * ldy), fullCols, cols, kc, add);
            }
            if (depth == 0)
                break;
        }
    }

    // One row of NN from column `from` on: whole vectors, then scalars.
    private static void MultiplyRowTail<T>(ref T x, int depthStep, ref T w, int ldw, ref T y, int from, int cols, int depth, bool accumulate)
        where T : unmanaged, INumberBase<T>
    {
        int vc = Vector<T>.Count;
        int j = from;
        for (; j + vc <= cols; j += vc)
        {
            Vector<T> acc = default;
            for (int p = 0; p < depth; p++)
                acc = Fma.MultiplyAdd(new Vector<T>(Unsafe.Add(ref x, p * depthStep)), Vector.LoadUnsafe(ref w, (nuint)(p * ldw + j)), acc);
            if (accumulate)
                acc += Vector.LoadUnsafe(ref y, (nuint)j);
            acc.StoreUnsafe(ref y, (nuint)j);
        }
        for (; j < cols; j++)
        {
            T sum = T.Zero;
            for (int p = 0; p < depth; p++)
                sum += Unsafe.Add(ref x, p * depthStep) * Unsafe.Add(ref w, p * ldw + j);
            Unsafe.Add(ref y, j) = accumulate ? Unsafe.Add(ref y, j) + sum : sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector<T>(ref T y, int at, int vc, Vector<T> a0, Vector<T> a1, bool accumulate)
        where T : unmanaged, INumberBase<T>
    {
        if (accumulate)
        {
            a0 += Vector.LoadUnsafe(ref y, (nuint)at);
            a1 += Vector.LoadUnsafe(ref y, (nuint)(at + vc));
        }
        a0.StoreUnsafe(ref y, (nuint)at);
        a1.StoreUnsafe(ref y, (nuint)(at + vc));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(Span<T> y, int at, T value, bool accumulate) where T : unmanaged, INumberBase<T>
        => y[at] = accumulate ? y[at] + value : value;

    private static T Dot<T>(ref T x, ref T w, int vecDepth, int depth) where T : unmanaged, INumberBase<T>
    {
        Vector<T> acc = default;
        for (int p = 0; p < vecDepth; p += Vector<T>.Count)
            acc = Fma.MultiplyAdd(Vector.LoadUnsafe(ref x, (nuint)p), Vector.LoadUnsafe(ref w, (nuint)p), acc);
        return Vector.Sum(acc) + Tail(ref x, ref w, vecDepth, depth);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Tail<T>(ref T x, ref T w, int from, int depth) where T : unmanaged, INumberBase<T>
    {
        T sum = T.Zero;
        for (int p = from; p < depth; p++)
            sum += Unsafe.Add(ref x, p) * Unsafe.Add(ref w, p);
        return sum;
    }

    private static long SpanNeeded(int rows, int cols, int ld) => rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;

    private static void CheckNT(int xLength, int ldx, int wLength, int ldw, int yLength, int ldy, int rows, int cols, int depth)
    {
        CheckSizes(rows, cols, depth);
        CheckOperand("x", xLength, SpanNeeded(rows, depth, ldx), ldx, depth);
        CheckOperand("w", wLength, SpanNeeded(cols, depth, ldw), ldw, depth);
        CheckOperand("y", yLength, SpanNeeded(rows, cols, ldy), ldy, cols);
    }

    private static void CheckRightAndResult(int wLength, int ldw, int yLength, int ldy, int rows, int cols, int depth)
    {
        CheckOperand("w", wLength, SpanNeeded(depth, cols, ldw), ldw, cols);
        CheckOperand("y", yLength, SpanNeeded(rows, cols, ldy), ldy, cols);
    }

    private static void CheckSizes(int rows, int cols, int depth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
    }

    private static void CheckOperand(string name, long length, long needed, int ld, int rowLength)
    {
        if (ld < rowLength && needed > 0)
            throw new ArgumentException($"{name}: leading dimension {ld} is shorter than a row ({rowLength})");
        if (length < needed)
            throw new ArgumentException($"{name}: {length} elements, {needed} needed");
    }

    // One panel per thread, reused across calls.
    private static class PanelBuffer<T>
    {
        [ThreadStatic]
        private static T[]? t_buffer;

        public static T[] Get(int length) => t_buffer is { } b && b.Length >= length ? b : t_buffer = new T[length];
    }
}
