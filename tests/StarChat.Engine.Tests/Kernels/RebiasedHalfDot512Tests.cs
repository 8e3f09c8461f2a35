using System.Runtime.InteropServices;
using StarChat.Engine.Kernels;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>
/// AVX-512's four-row F16 decoding dot for CPUs where subnormal factors cost nothing (<see cref="RebiasedHalfDot512"/>)
/// against a float64 reference over the exact halves: the activations' order and scale, every finite kind of half
/// (subnormals need no correction here), the rows and activations it must refuse, and decoding through MatMul with
/// this kernel pinned (it is the default only on AMD; <see cref="HalfDot512Tests"/> pins the other).
/// </summary>
public sealed class RebiasedHalfDot512Tests
{
    private static readonly MatMulKernelSet Rebiased = MatMulKernelSet.Exact.With(new F16MatMulKernel(rebiased512: true));

    [Fact]
    public void TryPrepare_PutsEvenThenOddActivationsOfEach32_TimesTwoToThe112()
    {
        SkipUnlessSupported();
        var x = KernelTestData.Uniform(64, seed: 1);
        var prepared = new float[64];
        Assert.True(RebiasedHalfDot512.TryPrepare(x, prepared));
        for (int group = 0; group < 64; group += 32)
        {
            for (int j = 0; j < 16; j++)
            {
                Assert.Equal(x[group + 2 * j] * RebiasedHalf.Rebias, prepared[group + j]);
                Assert.Equal(x[group + 2 * j + 1] * RebiasedHalf.Rebias, prepared[group + 16 + j]);
            }
        }
    }

    [Theory]
    [InlineData(32767f, true)]
    [InlineData(32768f, false)]
    [InlineData(-1e6f, false)]
    [InlineData(float.NaN, false)]
    [InlineData(float.PositiveInfinity, false)]
    public void TryPrepare_RefusesActivationsThatOverflowOnceScaled(float activation, bool accepted)
    {
        SkipUnlessSupported();
        var x = KernelTestData.Uniform(96, seed: 2);
        x[70] = activation;
        Assert.Equal(accepted, RebiasedHalfDot512.TryPrepare(x, new float[96]));
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(96 + 32)]
    [InlineData(2048)]
    public void TryDot4_EveryFiniteHalfKind_MatchesDoubleReference(int n)
    {
        SkipUnlessSupported();
        var random = new Random(n);
        var w = new ushort[RebiasedHalfDot512.Rows * n];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (i % 9) switch
            {
                0 => (ushort)random.Next(1, 0x400),                         // positive subnormal
                1 => (ushort)(0x8000 | random.Next(1, 0x400)),              // negative subnormal
                2 => (ushort)(random.Next(2) << 15),                        // ±0
                3 => (ushort)(0x0400 | random.Next(0, 0x400) | random.Next(2) << 15),   // smallest normals
                4 => (ushort)(0x7BFF | random.Next(2) << 15),               // ±65504
                _ => (ushort)(random.Next(0, 0x7C00) | random.Next(2) << 15),
            };
        }
        // Up to 1000 in magnitude: products reach 6.5·10^7, far beyond HalfDot512's 2^16 limit but fine here.
        var x = KernelTestData.Uniform(n, seed: n + 1);
        for (int i = 0; i < n; i += 5)
            x[i] *= 1000f;
        var sums = Dot4(w, n, x);
        for (int r = 0; r < RebiasedHalfDot512.Rows; r++)
            KernelAssert.HalfDotClose(w.AsSpan(r * n, n), x, sums[r], relative: 1e-6);
    }

    [Fact]
    public void TryDot4_RowsOfSubnormalsZerosAndTinyNormals_AreExact()
    {
        // Alone in their rows, so that a subnormal widened wrongly (e.g. given an implicit 1, 2^−15 too large: more
        // than its own value) is not lost in the tolerance of large products.
        SkipUnlessSupported();
        const int n = 2048;
        var w = new ushort[RebiasedHalfDot512.Rows * n];
        for (int i = 0; i < w.Length; i++)
        {
            int magnitude = (i + i / n) % 3 == 2 ? 0x0400 + i % 64 : (i * 7 + i / n) % 0x400;
            w[i] = (ushort)(magnitude | (i % 2 == 0 ? 0 : 0x8000));
        }
        var x = KernelTestData.Uniform(n, seed: 21);
        var sums = Dot4(w, n, x);
        for (int r = 0; r < RebiasedHalfDot512.Rows; r++)
            KernelAssert.HalfDotClose(w.AsSpan(r * n, n), x, sums[r], relative: 2e-7);
    }

    [Theory]
    [InlineData((ushort)0x7C00)]   // +inf
    [InlineData((ushort)0xFC00)]   // -inf
    [InlineData((ushort)0x7E00)]   // NaN
    [InlineData((ushort)0xFFFF)]   // NaN, every bit set
    public void TryDot4_RowWithInfinityOrNaN_IsRefused(ushort special)
    {
        SkipUnlessSupported();
        const int n = 64;
        var w = new ushort[RebiasedHalfDot512.Rows * n];
        for (int i = 0; i < w.Length; i++)
            w[i] = BitConverter.HalfToUInt16Bits((Half)(i % 17 * 0.01 - 0.08));
        var x = KernelTestData.Uniform(n, seed: 6);
        var prepared = new float[n];
        Assert.True(RebiasedHalfDot512.TryPrepare(x, prepared));
        Assert.True(RebiasedHalfDot512.TryDot4(w, n, prepared, new float[RebiasedHalfDot512.Rows]));
        w[3 * n + 45] = special;
        Assert.False(RebiasedHalfDot512.TryDot4(w, n, prepared, new float[RebiasedHalfDot512.Rows]));
    }

    [Theory]
    [InlineData(24, 2048)]
    [InlineData(13, 96)]
    public void MatMul_Decoding_MatchesTheExactPath(int rows, int n)
    {
        // 13 rows: three groups of four, then one row on the exact path.
        SkipUnlessSupported();
        var weight = NativeTensor.Random(TensorType.F16, rows, n, seed: 31);
        var halves = MemoryMarshal.Cast<byte, ushort>(weight.Data);
        for (int i = 0; i < halves.Length; i += 37)
        {
            halves[i] = (ushort)((i * 13 % 0x400) | (i % 2 == 0 ? 0 : 0x8000));
            weight.Values[i] = (double)BitConverter.UInt16BitsToHalf(halves[i]);
        }
        var x = KernelTestData.Uniform(n, seed: 32);
        var reference = new float[rows];
        MatMul.Multiply(KernelPath.Scalar, x, 1, weight.View, [], reference, pool: null, rowsPerBlock: 0);
        var fast = new float[rows];
        MatMul.Multiply(Rebiased, KernelPath.Vector512, x, 1, weight.View, [], fast, pool: null, rowsPerBlock: 0);
        for (int r = 0; r < rows; r++)
            Assert.InRange(fast[r], reference[r] - 1e-4f, reference[r] + 1e-4f);
        weight.KeepAlive();
    }

    [Theory]
    [InlineData((ushort)0x7C00)]   // +inf
    [InlineData((ushort)0x7E00)]   // NaN
    public void MatMul_RowWithInfinityOrNaN_GetsTheExactResult_ItsGroupStaysRight(ushort special)
    {
        SkipUnlessSupported();
        const int rows = 8, n = 64;
        var weight = NativeTensor.Random(TensorType.F16, rows, n, seed: 4);
        BitConverter.TryWriteBytes(weight.Data.Slice((5 * n + 37) * 2, 2), special);   // row 5, column 37
        var x = KernelTestData.Uniform(n, seed: 6);
        var fast = new float[rows];
        var reference = new float[rows];
        // One block of all eight rows (left to choose, MatMul would give one row block per four rows of output).
        MatMul.Multiply(Rebiased, KernelPath.Vector512, x, 1, weight.View, [], fast, pool: null, rowsPerBlock: rows);
        MatMul.Multiply(KernelPath.Scalar, x, 1, weight.View, [], reference, pool: null, rowsPerBlock: 0);
        Assert.True(float.IsNaN(fast[5]) || float.IsInfinity(fast[5]));
        Assert.Equal(reference[5], fast[5]);
        for (int r = 0; r < rows; r++)
        {
            if (r != 5)
                Assert.InRange(fast[r], reference[r] - 1e-4f, reference[r] + 1e-4f);
        }
        weight.KeepAlive();
    }

    [Fact]
    public void MatMul_LargeActivation_FallsBackAndStaysExact()
    {
        SkipUnlessSupported();
        const int rows = 8, n = 64;
        var weight = NativeTensor.Random(TensorType.F16, rows, n, seed: 9);
        var x = KernelTestData.Uniform(n, seed: 10);
        x[20] = -1e6f;
        var fast = new float[rows];
        MatMul.Multiply(Rebiased, KernelPath.Vector512, x, 1, weight.View, [], fast, pool: null, rowsPerBlock: rows);
        for (int r = 0; r < rows; r++)
        {
            double expected = 0, magnitude = 0;
            for (int i = 0; i < n; i++)
            {
                expected += weight.Values[r * n + i] * x[i];
                magnitude += Math.Abs(weight.Values[r * n + i] * x[i]);
            }
            Assert.InRange(fast[r], expected - 1e-6 * magnitude, expected + 1e-6 * magnitude);
        }
        weight.KeepAlive();
    }

    private static float[] Dot4(ushort[] w, int n, float[] x)
    {
        var prepared = new float[n];
        Assert.True(RebiasedHalfDot512.TryPrepare(x, prepared));
        var sums = new float[RebiasedHalfDot512.Rows];
        Assert.True(RebiasedHalfDot512.TryDot4(w, n, prepared, sums));
        return sums;
    }

    private static void SkipUnlessSupported()
    {
        if (!RebiasedHalfDot512.IsSupported)
            Assert.Skip("no AVX-512 here: the path is never taken");
    }
}
