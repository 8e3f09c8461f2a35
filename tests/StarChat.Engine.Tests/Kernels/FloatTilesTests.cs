using StarChat.Engine.Kernels;

namespace StarChat.Engine.Tests.Kernels;

public sealed class FloatTilesTests
{
    // Weight rows and tokens at different strides, with lengths that leave a scalar tail after the last vector of a
    // slice: the tiles' tails step through rows by the weight stride, never by the tokens'.
    [Theory]
    [MemberData(nameof(KernelTestData.Paths), MemberType = typeof(KernelTestData))]
    public void Multiply_SeparateStridesAndTails_MatchesDoubleReference(KernelPath path)
    {
        foreach (var (rows, tokens, inFeatures) in new[] { (13, 17, 1037), (8, 12, 21), (4, 6, 2053) })
        {
            int wStride = inFeatures + 5, xStride = inFeatures + 40;
            var w = KernelTestData.Uniform(rows * wStride, seed: rows);
            var x = KernelTestData.Uniform(tokens * xStride, seed: tokens);
            int yStride = rows + 3, rowOffset = 2;
            var y = new float[tokens * yStride];

            FloatTiles.Multiply(path, w, wStride, rows, x, xStride, tokens, inFeatures, y, yStride, rowOffset);

            var expected = new double[tokens * rows];
            var actual = new float[tokens * rows];
            for (int t = 0; t < tokens; t++)
            {
                for (int r = 0; r < rows; r++)
                {
                    double sum = 0;
                    for (int i = 0; i < inFeatures; i++)
                        sum += (double)w[r * wStride + i] * x[t * xStride + i];
                    expected[t * rows + r] = sum;
                    actual[t * rows + r] = y[t * yStride + rowOffset + r];
                }
            }
            KernelAssert.AllClose(expected, actual, relative: 1e-5, floor: 10, $"{path} {rows} rows × {tokens} tokens × {inFeatures}");
        }
    }
}
