using StarChat.Engine.Kernels;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>
/// The AVX2 F16 decoding dot (<see cref="InterleavedHalfDot"/>) against a float64 reference over the exact f16 values,
/// including the values its widening treats specially: signed zeros, subnormals, the largest finite half, and
/// infinities/NaN (which must fall back to the exact path), and activations too large to carry 2^112; and F16
/// decoding through MatMul on both widths (AVX-512's own dot: <see cref="HalfDot512Tests"/>).
/// </summary>
public sealed class InterleavedHalfDotTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(48)]
    [InlineData(2048 + 5)]
    public void TryDot_EveryFiniteHalfKind_MatchesDoubleReference(int n)
    {
        SkipUnlessSupported();
        var random = new Random(n);
        var w = new ushort[n];
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            w[i] = (i % 7) switch
            {
                0 => (ushort)random.Next(1, 0x400),                  // positive subnormal
                1 => (ushort)(0x8000 | random.Next(1, 0x400)),       // negative subnormal
                2 => (ushort)(i % 2 == 0 ? 0x0000 : 0x8000),         // ±0
                3 => 0x7BFF,                                         // 65504, the largest finite half
                _ => (ushort)(random.Next(0, 0x7C00) | (random.Next(2) << 15)),
            };
            x[i] = (float)(random.NextDouble() * 2 - 1) * (i % 5 == 0 ? 1000f : 1f);
        }
        var prepared = new float[n];

        Assert.True(InterleavedHalfDot.TryPrepare(x, prepared));
        Assert.True(InterleavedHalfDot.TryDot(w, prepared, out float actual));
        KernelAssert.HalfDotClose(w, x, actual, relative: 1e-6);
    }

    [Fact]
    public void TryDot_SubnormalAndTinyHalves_AreExact()
    {
        // Alone in a row, so that their errors are not lost in the tolerance of large products: every subnormal
        // half (0x0001-0x03FF, both signs), the smallest normal ones, and zeros.
        SkipUnlessSupported();
        const int n = 2048;
        var w = new ushort[n];
        var x = new float[n];
        var random = new Random(3);
        for (int i = 0; i < n; i++)
        {
            w[i] = (ushort)((i % 3 == 2 ? 0x0400 + i % 64 : (i * 7) % 0x400) | (i % 2 == 0 ? 0 : 0x8000));
            x[i] = (float)(random.NextDouble() * 2 - 1);
        }
        var prepared = new float[n];
        Assert.True(InterleavedHalfDot.TryPrepare(x, prepared));
        Assert.True(InterleavedHalfDot.TryDot(w, prepared, out float actual));
        KernelAssert.HalfDotClose(w, x, actual, relative: 1e-6);
    }

    [Theory]
    [InlineData((ushort)0x7C00)]   // +inf
    [InlineData((ushort)0xFC00)]   // -inf
    [InlineData((ushort)0x7E00)]   // NaN
    public void TryDot_RowWithInfinityOrNaN_RefusesAndMatMulGivesTheExactResult(ushort special)
    {
        SkipUnlessSupported();
        const int n = 64;
        var weight = NativeTensor.Random(TensorType.F16, 3, n, seed: 4);
        var bytes = weight.Data;
        BitConverter.TryWriteBytes(bytes.Slice((n + 37) * 2, 2), special);   // row 1, column 37
        var x = KernelTestData.Uniform(n, seed: 6);
        var prepared = new float[n];
        Assert.True(InterleavedHalfDot.TryPrepare(x, prepared));
        Assert.False(InterleavedHalfDot.TryDot(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes.Slice(n * 2, n * 2)), prepared, out _));

        var fast = new float[3];
        var reference = new float[3];
        MatMul.Multiply(KernelPath.Vector256, x, 1, weight.View, [], fast, pool: null, rowsPerBlock: 0);
        MatMul.Multiply(KernelPath.Scalar, x, 1, weight.View, [], reference, pool: null, rowsPerBlock: 0);
        Assert.Equal(reference[1], fast[1]);                        // ±inf or NaN, as the exact widening gives
        Assert.True(float.IsNaN(fast[1]) || float.IsInfinity(fast[1]));
        Assert.True(float.IsFinite(fast[0]) && float.IsFinite(fast[2]));
        weight.KeepAlive();
    }

    [Theory]
    [InlineData(32768f, false)]
    [InlineData(-1e6f, false)]
    [InlineData(float.NaN, false)]
    [InlineData(32768f, true)]
    [InlineData(-1e6f, true)]
    [InlineData(float.NaN, true)]
    public void LargeActivation_AVX2RefusesTheRebias_AndMatMulStaysExactOnBothWidths(float large, bool wide)
    {
        SkipUnlessSupported(wide);
        // 64 columns: AVX-512's four-row dot takes them (any multiple of 32), and a product beyond 2^16 overflows its
        // scaled sums, which must fall back to the exact path.
        const int n = 64;
        var weight = NativeTensor.Random(TensorType.F16, 5, n, seed: 9);
        var x = KernelTestData.Uniform(n, seed: 10);
        x[20] = large;
        if (!wide)
            Assert.False(InterleavedHalfDot.TryPrepare(x, new float[n]));   // it scales the activations by 2^112

        var fast = new float[5];
        MatMul.Multiply(Path(wide), x, 1, weight.View, [], fast, pool: null, rowsPerBlock: 0);
        for (int r = 0; r < 5; r++)
        {
            double expected = 0;
            for (int i = 0; i < n; i++)
                expected += weight.Values[r * n + i] * x[i];
            if (double.IsNaN(expected))
                Assert.True(float.IsNaN(fast[r]));
            else
                Assert.InRange(fast[r], expected - 1e-3 * Math.Abs(expected) - 1e-3, expected + 1e-3 * Math.Abs(expected) + 1e-3);
        }
        weight.KeepAlive();
    }

    [Fact]
    public void MatMul_DecodingOnEitherWidth_MatchesTheExactPath()
    {
        // 2048-wide rows through MatMul: the kernel prepares the activations in the order of the width it multiplies
        // with; a mismatch would pair weights with the wrong activations.
        const int rows = 24, n = 2048;
        var weight = NativeTensor.Random(TensorType.F16, rows, n, seed: 12);
        var x = KernelTestData.Uniform(n, seed: 13);
        var reference = new float[rows];
        MatMul.Multiply(KernelPath.Scalar, x, 1, weight.View, [], reference, pool: null, rowsPerBlock: 0);
        foreach (bool wide in new[] { false, true })
        {
            if (wide ? !HalfDot512.IsSupported : !InterleavedHalfDot.IsSupported)
                continue;
            var fast = new float[rows];
            MatMul.Multiply(Path(wide), x, 1, weight.View, [], fast, pool: null, rowsPerBlock: 0);
            for (int r = 0; r < rows; r++)
                Assert.InRange(fast[r], reference[r] - 1e-3f, reference[r] + 1e-3f);
        }
        weight.KeepAlive();
    }

    private static void SkipUnlessSupported()
    {
        if (!InterleavedHalfDot.IsSupported)
            Assert.Skip("no AVX2 here: the path is never taken");
    }

    private static void SkipUnlessSupported(bool wide)
    {
        if (wide ? !HalfDot512.IsSupported : !InterleavedHalfDot.IsSupported)
            Assert.Skip(wide ? "no AVX-512 here: the path is never taken" : "no AVX2 here: the path is never taken");
    }

    private static KernelPath Path(bool wide) => wide ? KernelPath.Vector512 : KernelPath.Vector256;
}
