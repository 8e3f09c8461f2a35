using StarChat.Engine.Kernels;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>
/// AVX-512's prompt tiles with the tokens in the vector lanes (<see cref="TokenLaneTiles"/>) against a float64
/// reference: row counts that leave a tile of fewer than eight rows, token counts that leave one or two vectors and
/// padding lanes, input counts that leave a short last slice, with and without a bias, over f32 rows and over f16 and
/// bf16 rows widened slice by slice (subnormal, infinite and NaN halves included); and the transposition of the
/// activations done in pieces, as <see cref="MatMul"/>'s threads do it.
/// </summary>
public sealed class TokenLaneTilesTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 13, 17, 1037 },   // 8 + 5 rows; 2 vectors, 15 padding lanes; slices 512 + 512 + 13
        { 8, 100, 512 },    // 3 + 3 + 1 vectors; one whole slice
        { 3, 16, 21 },      // one short tile, one vector, no padding
        { 24, 48, 600 },
        // Sums written back sixteen rows by sixteen tokens: whole and partial token blocks, rows left over.
        { 37, 50, 64 },     // 16 + 16 + 5 rows; a last block of 2 tokens
        { 16, 29, 40 },     // a last block of 13 tokens
        { 33, 7, 30 },      // one block of 7 tokens
        { 32, 61, 20 },
    };

    [Theory, MemberData(nameof(Shapes))]
    public void Multiply_FloatRows_MatchesDoubleReference(int rows, int tokens, int n)
    {
        SkipUnlessSupported();
        int wStride = n + 5;
        var w = KernelTestData.Uniform(rows * wStride, seed: rows);
        foreach (bool withBias in new[] { true, false })
        {
            var (x, xT) = Activations(tokens, n, seed: tokens);
            var bias = withBias ? KernelTestData.Uniform(rows, seed: 7) : [];
            int yStride = rows + 3, rowOffset = 2;
            var y = new float[tokens * yStride];
            var sums = new float[rows * TokenLaneTiles.PaddedTokens(tokens)];

            TokenLaneTiles.Multiply(w, wStride, rows, n, xT, tokens, y, yStride, rowOffset, bias, sums);

            AssertMatchesReference(r => w.AsSpan(r * wStride, n).ToArray(), rows, x, tokens, n, bias, y, yStride, rowOffset,
                $"f32 {rows} rows × {tokens} tokens × {n}, bias {withBias}");
        }
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Multiply_HalfRows_MatchesDoubleReferenceOverExactHalves(int rows, int tokens, int n)
    {
        SkipUnlessSupported();
        foreach (bool bfloat16 in new[] { false, true })
        {
            var w = new ushort[rows * n];
            var values = KernelTestData.Uniform(w.Length, seed: n, low: -0.05f, high: 0.05f);
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = bfloat16
                    ? (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16)
                    : BitConverter.HalfToUInt16Bits((Half)values[i]);
            }
            // Subnormal halves (the widening's slow lane) in the first and last slices.
            w[3] = bfloat16 ? (ushort)0x0005 : (ushort)0x0003;
            w[w.Length - 2] = bfloat16 ? (ushort)0x8011 : (ushort)0x83FF;
            var (x, xT) = Activations(tokens, n, seed: tokens + 1);
            var bias = KernelTestData.Uniform(rows, seed: 9);
            int yStride = rows, rowOffset = 0;
            var y = new float[tokens * yStride];

            TokenLaneTiles.Multiply(w, bfloat16, rows, n, xT, tokens, y, yStride, rowOffset, bias,
                new float[rows * TokenLaneTiles.PaddedTokens(tokens)], new float[TokenLaneTiles.WidenedSliceFloats]);

            AssertMatchesReference(r => Widen(w.AsSpan(r * n, n), bfloat16), rows, x, tokens, n, bias, y, yStride, rowOffset,
                $"{(bfloat16 ? "bf16" : "f16")} {rows} rows × {tokens} tokens × {n}");
        }
    }

    [Fact]
    public void Multiply_InfiniteAndNaNHalves_ReachOnlyTheirRows()
    {
        SkipUnlessSupported();
        const int rows = 9, tokens = 20, n = 64;
        var w = new ushort[rows * n];
        for (int i = 0; i < w.Length; i++)
            w[i] = BitConverter.HalfToUInt16Bits((Half)0.5f);
        w[2 * n + 5] = 0x7C00;    // +∞ in row 2
        w[7 * n + 60] = 0x7E00;   // NaN in row 7
        var (_, xT) = Activations(tokens, n, seed: 3, low: 0.1f, high: 1f);
        var y = new float[tokens * rows];

        TokenLaneTiles.Multiply(w, false, rows, n, xT, tokens, y, rows, 0, [],
            new float[rows * TokenLaneTiles.PaddedTokens(tokens)], new float[TokenLaneTiles.WidenedSliceFloats]);

        for (int t = 0; t < tokens; t++)
        {
            for (int r = 0; r < rows; r++)
            {
                float value = y[t * rows + r];
                if (r == 2)
                    Assert.Equal(float.PositiveInfinity, value);
                else if (r == 7)
                    Assert.True(float.IsNaN(value), $"token {t} row 7: {value}");
                else
                    Assert.True(float.IsFinite(value) && value > 0, $"token {t} row {r}: {value}");
            }
        }
    }

    public static TheoryData<int, int, int[]> ScatterPieces => new()
    {
        // Pieces that start and end inside vectors, as MatMul's threads split the tokens.
        { 37, 29, [0, 5, 21, 32, 37] },
        // Whole vectors of tokens (transposed sixteen inputs at a time) with inputs left over, then a partial one.
        { 37, 29, [0, 32, 37] },
        { 50, 48, [0, 16, 25, 50] },
    };

    [Theory, MemberData(nameof(ScatterPieces))]
    public void Scatter_InPiecesOfAnySize_IsTheTransposeWithZeroPadding(int tokens, int n, int[] bounds)
    {
        int padded = TokenLaneTiles.PaddedTokens(tokens);
        var x = KernelTestData.Uniform(tokens * n, seed: 5);
        var xT = new float[n * padded];
        Array.Fill(xT, float.NaN);

        for (int i = 0; i + 1 < bounds.Length; i++)
            TokenLaneTiles.Scatter(x, n, bounds[i], bounds[i + 1], padded, xT);
        TokenLaneTiles.ClearPadding(n, tokens, padded, xT);

        for (int k = 0; k < n; k++)
        {
            for (int t = 0; t < padded; t++)
                Assert.Equal(t < tokens ? x[t * n + k] : 0f, xT[k * padded + t]);
        }
    }

    [Fact]
    public void Multiply_ScratchTooSmall_ThrowsNamingIt()
    {
        SkipUnlessSupported();
        var w = new float[4 * 32];
        var xT = new float[32 * 16];
        var y = new float[16 * 4];
        var ex = Assert.Throws<ArgumentException>(() => TokenLaneTiles.Multiply(w, 32, 4, 32, xT, 16, y, 4, 0, [], new float[4 * 16 - 1]));
        Assert.Equal("sums", ex.ParamName);
    }

    private static (float[] X, float[] XT) Activations(int tokens, int n, int seed, float low = -1f, float high = 1f)
    {
        var x = KernelTestData.Uniform(tokens * n, seed, low, high);
        int padded = TokenLaneTiles.PaddedTokens(tokens);
        var xT = new float[n * padded];
        // Stale values in the padding lanes must not reach any output.
        Array.Fill(xT, float.NaN);
        TokenLaneTiles.Scatter(x, n, 0, tokens, padded, xT);
        TokenLaneTiles.ClearPadding(n, tokens, padded, xT);
        return (x, xT);
    }

    private static float[] Widen(ReadOnlySpan<ushort> bits, bool bfloat16)
    {
        var row = new float[bits.Length];
        for (int i = 0; i < row.Length; i++)
            row[i] = bfloat16 ? BitConverter.UInt32BitsToSingle((uint)bits[i] << 16) : (float)BitConverter.UInt16BitsToHalf(bits[i]);
        return row;
    }

    private static void AssertMatchesReference(Func<int, float[]> row, int rows, float[] x, int tokens, int n, float[] bias,
        float[] y, int yStride, int rowOffset, string context)
    {
        var expected = new double[tokens * rows];
        var actual = new float[tokens * rows];
        for (int r = 0; r < rows; r++)
        {
            var w = row(r);
            for (int t = 0; t < tokens; t++)
            {
                double sum = bias.Length == 0 ? 0 : bias[r];
                for (int k = 0; k < n; k++)
                    sum += (double)w[k] * x[t * n + k];
                expected[t * rows + r] = sum;
                actual[t * rows + r] = y[t * yStride + rowOffset + r];
            }
        }
        KernelAssert.AllClose(expected, actual, relative: 1e-5, floor: 10, context);
        // Outside the block's columns nothing is written.
        for (int t = 0; t < tokens; t++)
        {
            for (int c = 0; c < yStride; c++)
            {
                if (c < rowOffset || c >= rowOffset + rows)
                    Assert.Equal(0f, y[t * yStride + c]);
            }
        }
    }

    private static void SkipUnlessSupported()
    {
        if (!TokenLaneTiles.IsSupported)
            Assert.Skip("no AVX-512 here: the path is never taken");
    }
}
