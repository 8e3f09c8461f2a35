using System.Numerics;
using StarChat.Engine.Threading;

namespace StarChat.Training.Numerics;

/// <summary>
/// <see cref="Gemm"/> split over a <see cref="WorkerPool"/> by output rows. Each output element is still summed in
/// <see cref="Gemm"/>'s fixed order, so the thread count never changes a result.
/// </summary>
internal static class ParallelGemm
{
    // About this many multiply-adds per work item: enough to hide the cost of claiming it, few enough to balance.
    private const long WorkPerItem = 64 * 1024;

    /// <summary><c>y = x·wᵀ (+ bias)</c>, or <c>y += x·wᵀ</c> when <paramref name="accumulate"/>: x [n, k], w [m, k], y [n, m].</summary>
    public static void MultiplyByTransposed<T>(WorkerPool? pool, MatrixSlice<T> x, MatrixSlice<T> w, MatrixSlice<T> y,
        bool accumulate, T[]? bias = null) where T : unmanaged, INumberBase<T>
    {
        Check(x.Rows == y.Rows && w.Rows == y.Columns && x.Columns == w.Columns, "NT", x, w, y);
        if (bias is not null && bias.Length != y.Columns)
            throw new ArgumentException($"bias has {bias.Length} values for {y.Columns} outputs", nameof(bias));
        var body = new Body<T>(Kind.NT, x, w, y, accumulate, bias);
        Run(pool, y.Rows, (long)y.Columns * x.Columns, body);
    }

    /// <summary><c>y (+)= x·w</c>: x [n, k], w [k, m], y [n, m].</summary>
    public static void Multiply<T>(WorkerPool? pool, MatrixSlice<T> x, MatrixSlice<T> w, MatrixSlice<T> y, bool accumulate)
        where T : unmanaged, INumberBase<T>
    {
        Check(x.Rows == y.Rows && w.Columns == y.Columns && x.Columns == w.Rows, "NN", x, w, y);
        Run(pool, y.Rows, (long)y.Columns * x.Columns, new Body<T>(Kind.NN, x, w, y, accumulate, null));
    }

    /// <summary><c>y (+)= aᵀ·x</c>: a [k, n], x [k, m], y [n, m] (a weight gradient: k runs over tokens).</summary>
    public static void MultiplyTransposedBy<T>(WorkerPool? pool, MatrixSlice<T> a, MatrixSlice<T> x, MatrixSlice<T> y, bool accumulate)
        where T : unmanaged, INumberBase<T>
    {
        Check(a.Columns == y.Rows && x.Columns == y.Columns && a.Rows == x.Rows, "TN", a, x, y);
        Run(pool, y.Rows, (long)y.Columns * a.Rows, new Body<T>(Kind.TN, a, x, y, accumulate, null));
    }

    private static void Run<T>(WorkerPool? pool, int rows, long workPerRow, Body<T> body) where T : unmanaged, INumberBase<T>
    {
        if (rows == 0)
            return;
        // Groups of 4 rows keep Gemm's 4-row tiles whole.
        int grain = (int)Math.Clamp(WorkPerItem / Math.Max(1, workPerRow), 1, rows);
        grain = Math.Max(4, grain + 3 & ~3);
        if (pool is null)
            body.Invoke(0, rows);
        else
            pool.ParallelFor(rows, grain, body);
    }

    private static void Check<T>(bool ok, string kind, MatrixSlice<T> a, MatrixSlice<T> b, MatrixSlice<T> y)
    {
        if (!ok)
            throw new ArgumentException($"{kind} product: shapes [{a.Rows}, {a.Columns}], [{b.Rows}, {b.Columns}] -> [{y.Rows}, {y.Columns}] do not fit");
    }

    private enum Kind { NT, NN, TN }

    private readonly struct Body<T>(Kind kind, MatrixSlice<T> left, MatrixSlice<T> right, MatrixSlice<T> y, bool accumulate, T[]? bias)
        : IParallelBody where T : unmanaged, INumberBase<T>
    {
        public void Invoke(int start, int end)
        {
            int rows = end - start;
            var output = y.RowRange(start, rows);
            switch (kind)
            {
                case Kind.NT:
                    var x = left.RowRange(start, rows);
                    Gemm.MultiplyByTransposed(x.ReadOnly, x.Stride, right.ReadOnly, right.Stride, output.Writable, output.Stride,
                        rows, output.Columns, x.Columns, accumulate);
                    if (bias is not null)
                    {
                        for (int r = 0; r < rows; r++)
                            Vectors.AddInPlace(output.Row(r), bias);
                    }
                    break;
                case Kind.NN:
                    var xn = left.RowRange(start, rows);
                    Gemm.Multiply(xn.ReadOnly, xn.Stride, right.ReadOnly, right.Stride, output.Writable, output.Stride,
                        rows, output.Columns, xn.Columns, accumulate);
                    break;
                default:
                    var a = left.ColumnRange(start, rows);
                    Gemm.MultiplyTransposedBy(a.ReadOnly, a.Stride, right.ReadOnly, right.Stride, output.Writable, output.Stride,
                        rows, output.Columns, a.Rows, accumulate);
                    break;
            }
        }
    }
}
