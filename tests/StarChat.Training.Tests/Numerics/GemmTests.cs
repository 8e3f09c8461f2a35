using System.Numerics;
using StarChat.Engine.Threading;
using StarChat.Training.Numerics;

namespace StarChat.Training.Tests.Numerics;

/// <summary>
/// The vector paths of <see cref="Gemm"/> against its scalar references on sizes that straddle the tiles (4 rows,
/// 2 vectors of columns), the vector width and the packing depth (256), with row strides wider than the rows.
/// </summary>
public sealed class GemmTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 3, 5, 7 }, { 4, 16, 8 }, { 5, 17, 9 }, { 8, 32, 64 }, { 7, 33, 255 }, { 9, 15, 257 }, { 13, 40, 600 }, { 4, 8, 0 },
    };

    [Theory, MemberData(nameof(Shapes))]
    public void MultiplyByTransposed_Float32_AgreesWithScalarReference(int rows, int cols, int depth)
        => Check<float>(rows, cols, depth, 1e-5, (x, w, y, acc) => Gemm.MultiplyByTransposed<float>(x, depth + 3, w, depth + 1, y, cols + 2, rows, cols, depth, acc),
            (x, w, y, acc) => Gemm.MultiplyByTransposedScalar<float>(x, depth + 3, w, depth + 1, y, cols + 2, rows, cols, depth, acc),
            xLength: rows * (depth + 3), wLength: cols * (depth + 1), yLength: rows * (cols + 2));

    [Theory, MemberData(nameof(Shapes))]
    public void Multiply_Float64_AgreesWithScalarReference(int rows, int cols, int depth)
        => Check<double>(rows, cols, depth, 1e-12, (x, w, y, acc) => Gemm.Multiply<double>(x, depth + 3, w, cols + 1, y, cols + 2, rows, cols, depth, acc),
            (x, w, y, acc) => Gemm.MultiplyScalar<double>(x, depth + 3, 1, w, cols + 1, y, cols + 2, rows, cols, depth, acc),
            xLength: rows * (depth + 3), wLength: depth * (cols + 1), yLength: rows * (cols + 2));

    [Theory, MemberData(nameof(Shapes))]
    public void Multiply_Float32_AgreesWithScalarReference(int rows, int cols, int depth)
        => Check<float>(rows, cols, depth, 1e-5, (x, w, y, acc) => Gemm.Multiply<float>(x, depth, w, cols, y, cols, rows, cols, depth, acc),
            (x, w, y, acc) => Gemm.MultiplyScalar<float>(x, depth, 1, w, cols, y, cols, rows, cols, depth, acc),
            xLength: rows * depth, wLength: depth * cols, yLength: rows * cols);

    [Theory, MemberData(nameof(Shapes))]
    public void MultiplyTransposedBy_Float32_AgreesWithScalarReference(int rows, int cols, int depth)
        => Check<float>(rows, cols, depth, 1e-5, (a, x, y, acc) => Gemm.MultiplyTransposedBy<float>(a, rows + 1, x, cols + 3, y, cols, rows, cols, depth, acc),
            (a, x, y, acc) => Gemm.MultiplyScalar<float>(a, 1, rows + 1, x, cols + 3, y, cols, rows, cols, depth, acc),
            xLength: depth * (rows + 1), wLength: depth * (cols + 3), yLength: rows * cols);

    [Fact]
    public void MultiplyScalar_SmallCase_ComputesTheProduct()
    {
        // [1 2; 3 4]·[5 6; 7 8] = [19 22; 43 50]
        var y = new double[4];
        Gemm.Multiply<double>([1, 2, 3, 4], 2, [5, 6, 7, 8], 2, y, 2, 2, 2, 2, false);
        Assert.Equal([19, 22, 43, 50], y);
        Gemm.MultiplyByTransposed<double>([1, 2, 3, 4], 2, [5, 7, 6, 8], 2, y, 2, 2, 2, 2, true);
        Assert.Equal([38, 44, 86, 100], y);
    }

    [Fact]
    public void Multiply_OperandTooShort_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(new float[5], 3, new float[9], 3, new float[6], 3, 2, 3, 3, false));
        Assert.StartsWith("x:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParallelGemm_ThreadCountDoesNotChangeResults()
    {
        const int rows = 37, cols = 29, depth = 300;
        var x = Random<float>(rows * depth, 1);
        var w = Random<float>(cols * depth, 2);
        var serial = new float[rows * cols];
        var parallel = new float[rows * cols];
        ParallelGemm.MultiplyByTransposed(null, MatrixSlice<float>.Dense(x, rows, depth), MatrixSlice<float>.Dense(w, cols, depth), MatrixSlice<float>.Dense(serial, rows, cols), false);
        using var pool = new WorkerPool(3);
        ParallelGemm.MultiplyByTransposed(pool, MatrixSlice<float>.Dense(x, rows, depth), MatrixSlice<float>.Dense(w, cols, depth), MatrixSlice<float>.Dense(parallel, rows, cols), false);
        Assert.Equal(serial, parallel);
    }

    private delegate void Product<T>(T[] x, T[] w, T[] y, bool accumulate);

    private static void Check<T>(int rows, int cols, int depth, double tolerance, Product<T> vector, Product<T> scalar, int xLength, int wLength, int yLength)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = Random<T>(Math.Max(1, xLength), rows * 31 + cols);
        var w = Random<T>(Math.Max(1, wLength), depth * 7 + 3);
        foreach (bool accumulate in new[] { false, true })
        {
            var expected = Random<T>(Math.Max(1, yLength), 99);
            var actual = (T[])expected.Clone();
            scalar(x, w, expected, accumulate);
            vector(x, w, actual, accumulate);
            for (int i = 0; i < expected.Length; i++)
            {
                double e = double.CreateChecked(expected[i]), a = double.CreateChecked(actual[i]);
                Assert.True(Math.Abs(e - a) <= tolerance * Math.Max(1, Math.Abs(e)), $"element {i} (accumulate {accumulate}): scalar {e}, vector {a}");
            }
        }
    }

    private static T[] Random<T>(int count, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => T.CreateChecked(2 * random.NextDouble() - 1))];
    }
}
