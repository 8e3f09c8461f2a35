using StarChat.Engine.Kernels;

namespace StarChat.Engine.Tests.Kernels;

public class VectorMathTests
{
    public static TheoryData<KernelPath> Paths => KernelTestData.Paths;

    [Theory, MemberData(nameof(Paths))]
    public void Dot_EveryLength_MatchesDoubleReference(KernelPath path)
    {
        foreach (int n in KernelTestData.Lengths())
        {
            var x = KernelTestData.Uniform(n, seed: 42 + n);
            var y = KernelTestData.Uniform(n, seed: 4242 + n);
            double expected = 0, magnitude = 0;
            for (int i = 0; i < n; i++)
            {
                expected += (double)x[i] * y[i];
                magnitude += Math.Abs((double)x[i] * y[i]);
            }
            KernelAssert.Close(expected, VectorMath.Dot(path, x, y), 1e-6 * magnitude + 1e-7, $"{path} n={n}");
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void DotHalf_EveryLength_MatchesDoubleReference(KernelPath path)
    {
        foreach (int n in KernelTestData.Lengths())
        {
            var w = KernelTestData.Uniform(n, seed: 7 + n).Select(v => (Half)(4 * v)).ToArray();
            var x = KernelTestData.Uniform(n, seed: 77 + n);
            double expected = 0, magnitude = 0;
            for (int i = 0; i < n; i++)
            {
                expected += (double)(float)w[i] * x[i];
                magnitude += Math.Abs((double)(float)w[i] * x[i]);
            }
            var bits = w.Select(BitConverter.HalfToUInt16Bits).ToArray();
            KernelAssert.Close(expected, VectorMath.DotHalf(path, bits, x), 1e-6 * magnitude + 1e-7, $"{path} n={n}");
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void DotBFloat16_EveryLength_MatchesDoubleReference(KernelPath path)
    {
        foreach (int n in KernelTestData.Lengths())
        {
            var bits = KernelTestData.Uniform(n, seed: 9 + n).Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray();
            var x = KernelTestData.Uniform(n, seed: 99 + n);
            double expected = 0, magnitude = 0;
            for (int i = 0; i < n; i++)
            {
                double w = BitConverter.UInt32BitsToSingle((uint)bits[i] << 16);
                expected += w * x[i];
                magnitude += Math.Abs(w * x[i]);
            }
            KernelAssert.Close(expected, VectorMath.DotBFloat16(path, bits, x), 1e-6 * magnitude + 1e-7, $"{path} n={n}");
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void Add_EveryLength_IsExactSum(KernelPath path)
    {
        foreach (int n in KernelTestData.Lengths())
        {
            var x = KernelTestData.Uniform(n, seed: n);
            var y = KernelTestData.Uniform(n, seed: 1000 + n);
            var sum = new float[n];
            VectorMath.Add(path, x, y, sum);
            for (int i = 0; i < n; i++)
                Assert.Equal(x[i] + y[i], sum[i]);
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void Add_DestinationIsFirstInput_AddsInPlace(KernelPath path)
    {
        var x = KernelTestData.Uniform(37, seed: 1);
        var y = KernelTestData.Uniform(37, seed: 2);
        var expected = x.Zip(y, (a, b) => a + b).ToArray();
        VectorMath.Add(path, x, y, x);
        Assert.Equal(expected, x);
    }

    [Theory, MemberData(nameof(Paths))]
    public void AddToRows_EveryLength_AddsTheValuesToEachRowAndNothingElse(KernelPath path)
    {
        foreach (int n in KernelTestData.Lengths())
        {
            // Five rows of n values inside rows of n + 3 (a block of a wider output), with guard values around.
            const int count = 5;
            int stride = n + 3;
            var output = KernelTestData.Uniform(count * stride + 2, seed: n);
            var values = KernelTestData.Uniform(n, seed: 500 + n);
            var before = output.ToArray();
            VectorMath.AddToRows(path, output.AsSpan(1, count * stride), count, stride, values);
            for (int i = 0; i < output.Length; i++)
            {
                int inBlock = i - 1, row = inBlock / stride, column = inBlock % stride;
                bool added = inBlock >= 0 && row < count && column < n;
                Assert.Equal(added ? before[i] + values[column] : before[i], output[i]);
            }
        }
    }

    [Fact]
    public void AddToRows_RowsPastTheSpan_Throws()
    {
        var output = new float[20];
        Assert.Throws<ArgumentException>(() => VectorMath.AddToRows(KernelPath.Vector256, output, 3, 8, new float[5]));
    }

    [Theory, MemberData(nameof(Paths))]
    public void AddScaled_EveryLength_MatchesDoubleReference(KernelPath path)
    {
        foreach (int n in KernelTestData.Lengths())
        {
            var destination = KernelTestData.Uniform(n, seed: n);
            var x = KernelTestData.Uniform(n, seed: 3000 + n);
            var expected = new double[n];
            for (int i = 0; i < n; i++)
                expected[i] = destination[i] + 0.37 * x[i];
            VectorMath.AddScaled(path, destination, x, 0.37f);
            KernelAssert.AllClose(expected, destination, relative: 2e-7, floor: 1, $"{path} n={n}");
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void AddWeightedRows_EveryWidth_MatchesDoubleReference(KernelPath path)
    {
        foreach (int width in KernelTestData.Lengths().Where(n => n <= 257))
        {
            foreach (int rowCount in new[] { 0, 1, 3, 8 })
            {
                var destination = KernelTestData.Uniform(width, seed: width);
                var rows = KernelTestData.Uniform(width * rowCount, seed: 100 + width);
                var weights = KernelTestData.Uniform(rowCount, seed: 200 + rowCount, low: 0, high: 1);
                var expected = new double[width];
                for (int i = 0; i < width; i++)
                {
                    expected[i] = destination[i];
                    for (int r = 0; r < rowCount; r++)
                        expected[i] += (double)weights[r] * rows[r * width + i];
                }
                VectorMath.AddWeightedRows(path, destination, rows, weights);
                KernelAssert.AllClose(expected, destination, relative: 1e-6, floor: 8, $"{path} width={width} rows={rowCount}");
            }
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void Scale_EveryLength_IsExactProduct(KernelPath path)
    {
        foreach (int n in KernelTestData.Lengths())
        {
            var x = KernelTestData.Uniform(n, seed: n);
            var original = x.ToArray();
            VectorMath.Scale(path, x, -1.75f);
            for (int i = 0; i < n; i++)
                Assert.Equal(original[i] * -1.75f, x[i]);
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void LayerNorm_EveryLength_MatchesDoubleReference(KernelPath path)
    {
        foreach (int n in KernelTestData.Lengths().Where(n => n > 0))
        {
            var x = KernelTestData.Uniform(n, seed: n, low: -3, high: 5);
            var weight = KernelTestData.Uniform(n, seed: 10 + n, low: 0.5f, high: 1.5f);
            var bias = KernelTestData.Uniform(n, seed: 20 + n, low: -0.1f, high: 0.1f);
            var expected = LayerNormReference(x, weight, bias, 1e-5);
            var actual = new float[n];
            VectorMath.LayerNorm(path, x, weight, bias, actual, 1e-5f);
            KernelAssert.AllClose(expected, actual, relative: 1e-5, floor: 1, $"{path} n={n}");
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void LayerNorm_ConstantRow_GivesBias(KernelPath path)
    {
        var x = Enumerable.Repeat(3.25f, 100).ToArray();
        var weight = KernelTestData.Uniform(100, seed: 1);
        var bias = KernelTestData.Uniform(100, seed: 2);
        var actual = new float[100];
        VectorMath.LayerNorm(path, x, weight, bias, actual, 1e-5f);
        Assert.Equal(bias, actual);
    }

    [Theory, MemberData(nameof(Paths))]
    public void LayerNorm_InPlace_MatchesOutOfPlace(KernelPath path)
    {
        var x = KernelTestData.Uniform(77, seed: 5);
        var weight = KernelTestData.Uniform(77, seed: 6);
        var bias = KernelTestData.Uniform(77, seed: 7);
        var separate = new float[77];
        VectorMath.LayerNorm(path, x, weight, bias, separate, 1e-5f);
        VectorMath.LayerNorm(path, x, weight, bias, x, 1e-5f);
        Assert.Equal(separate, x);
    }

    [Theory, MemberData(nameof(Paths))]
    public void GeluTanh_EveryLength_MatchesDoubleReference(KernelPath path)
    {
        foreach (int n in KernelTestData.Lengths())
        {
            var x = KernelTestData.Uniform(n, seed: n, low: -12, high: 12);
            var actual = new float[n];
            VectorMath.GeluTanh(path, x, actual);
            for (int i = 0; i < n; i++)
                KernelAssert.Close(GeluReference(x[i]), actual[i], GeluTolerance(x[i]), $"{path} n={n} x={x[i]:R}");
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void GeluTanh_SpecialValues_MatchReference(KernelPath path)
    {
        float[] x = [0f, -0f, 1f, -1f, 0.5f, -0.5f, 3f, -3f, 10f, -10f, 100f, -100f, 1e-20f, -1e-20f, float.PositiveInfinity, float.NaN];
        var actual = new float[16];   // 16: exercises a full vector on both rungs
        VectorMath.GeluTanh(path, x, actual);
        for (int i = 0; i < x.Length; i++)
            KernelAssert.Close(GeluReference(x[i]), actual[i], GeluTolerance(x[i]), $"{path} x={x[i]}");
        Assert.Equal(0f, actual[11]);
    }

    [Fact]
    public void GeluReference_AgreesWithLiteralTanhForm()
    {
        // The references below use x / (1 + e^(-2u)); check that identity against the literal formula in double
        // where the literal form does not cancel.
        for (double x = -4; x <= 4; x += 0.01)
        {
            double u = Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
            double literal = 0.5 * x * (1 + Math.Tanh(u));
            Assert.Equal(literal, GeluReference(x), 1e-12);
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void Softmax_EveryLength_MatchesDoubleReference(KernelPath path)
    {
        foreach (int n in KernelTestData.Lengths().Where(n => n > 0))
        {
            var x = KernelTestData.Uniform(n, seed: n, low: -20, high: 20);
            double max = x.Max();
            var exps = x.Select(v => Math.Exp(v - max)).ToArray();
            double sum = exps.Sum();
            var expected = exps.Select(e => e / sum).ToArray();
            var original = x.ToArray();
            VectorMath.Softmax(path, x);
            // An input rounded by half an ulp moves e^(x−max) by |x−max|·2^-24 relative.
            for (int i = 0; i < n; i++)
                KernelAssert.Close(expected[i], x[i], expected[i] * (2e-6 + 1e-7 * Math.Abs(original[i] - max)) + 1e-38, $"{path} n={n} [{i}]");
        }
    }

    [Theory, MemberData(nameof(Paths))]
    public void Softmax_HugeScores_DoesNotOverflow(KernelPath path)
    {
        var x = new float[20];
        for (int i = 0; i < x.Length; i++)
            x[i] = 1e30f + i * 1e24f;
        x[3] = float.MinValue;   // HF's mask fill value
        VectorMath.Softmax(path, x);
        Assert.All(x, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(0f, x[3]);
        Assert.Equal(1.0, x.Sum(v => (double)v), 5);
    }

    [Fact]
    public void Softmax_Empty_DoesNothing() => VectorMath.Softmax(Span<float>.Empty);

    [Fact]
    public void Dot_LengthMismatch_ThrowsNamingParameter()
    {
        var e = Assert.Throws<ArgumentException>(() => VectorMath.Dot(new float[3], new float[4]));
        Assert.Equal("y", e.ParamName);
    }

    [Fact]
    public void LayerNorm_BiasTooShort_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => VectorMath.LayerNorm(new float[8], new float[8], new float[7], new float[8], 1e-5f));
        Assert.Equal("bias", e.ParamName);
    }

    // 0.5·x·(1 + tanh(u)) written as x / (1 + e^(−2u)), so that it stays accurate in double for very negative x.
    internal static double GeluReference(double x)
    {
        double u = Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
        return x / (1 + Math.Exp(-2 * u));
    }

    // Float rounding of u (a few ulp of |2u|) moves e^(−2u) by that much relative, which matters only in the
    // steep negative tail, where the result is tiny.
    private static double GeluTolerance(float x)
    {
        double twoU = Math.Abs(2 * Math.Sqrt(2 / Math.PI) * (x + 0.044715 * (double)x * x * x));
        // e^(−2u) overflows float below x ≈ −10, giving 0 where the true value is under 1e-37: an absolute floor.
        return Math.Abs(GeluReference(x)) * (2e-6 + 2e-7 * twoU) + 1e-37;
    }

    internal static double[] LayerNormReference(float[] x, float[] weight, float[] bias, double eps)
    {
        double mean = x.Average(v => (double)v);
        double variance = x.Average(v => (v - mean) * (v - mean));
        double inv = 1 / Math.Sqrt(variance + eps);
        return x.Select((v, i) => (v - mean) * inv * weight[i] + bias[i]).ToArray();
    }
}
