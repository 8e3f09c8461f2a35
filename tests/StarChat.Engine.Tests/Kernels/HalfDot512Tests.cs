using System.Runtime.InteropServices;
using StarChat.Engine.Kernels;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>
/// AVX-512's four-row F16 decoding dot (<see cref="HalfDot512"/>) against a float64 reference over the exact halves:
/// its first pass (finding subnormals), its later passes (reading the positions <see cref="HalfSubnormals"/> laid
/// out), the correction from those positions, the rows it must refuse (infinity, NaN, products beyond its
/// 2^112 scale), and both passes through MatMul.
/// </summary>
public sealed class HalfDot512Tests
{
    // Pinned: on AMD CPUs decoding takes RebiasedHalfDot512 by default.
    private static readonly MatMulKernelSet Exact512 = MatMulKernelSet.Exact.With(new F16MatMulKernel(rebiased512: false));

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(96 + 32)]
    [InlineData(2048)]
    public void BothPasses_TrainedLikeRowsWithSpecialHalves_MatchDoubleReference(int n)
    {
        SkipUnlessSupported();
        var w = Halves(HalfDot512.Rows * n, n, seed: n);
        var x = KernelTestData.Uniform(n, seed: n + 1);
        x[LargestAt] = 0.25f;
        var (first, masks) = FirstPass(w, n, x);

        // Every half with exponent 0 marked, and nothing else.
        for (int i = 0; i < w.Length; i++)
            Assert.Equal((w[i] & 0x7C00) == 0, (masks[i / 32] >> (i % 32) & 1) != 0);

        var layout = Collect(w, n, masks);
        var later = new float[HalfDot512.Rows];
        HalfDot512.Dot4(w, n, Ordered(x), later);
        for (int r = 0; r < HalfDot512.Rows; r++)
        {
            var row = w.AsSpan(r * n, n);
            Assert.True(HalfDot512.TryFinish(first[r], row, HalfSubnormals.Row(layout, HalfDot512.Rows, r), x, out float fromPositions));
            KernelAssert.HalfDotClose(row, x, fromPositions, relative: 1e-6);
            Assert.True(HalfDot512.TryFinish(later[r], row, HalfSubnormals.Row(layout, HalfDot512.Rows, r), x, out float sum));
            KernelAssert.HalfDotClose(row, x, sum, relative: 1e-6);
        }
    }

    [Fact]
    public void BothPasses_RowsOfSubnormalsZerosAndTinyNormals_AreExact()
    {
        // Alone in their rows with the smallest normal halves, so that a missing or wrong correction (each subnormal
        // widens 2^−15 too large, more than its own value) is not lost in the tolerance of large products. A row's
        // count of subnormals is no multiple of the eight a gather takes.
        SkipUnlessSupported();
        const int n = 2048;
        var w = new ushort[HalfDot512.Rows * n];
        for (int i = 0; i < w.Length; i++)
        {
            int magnitude = (i + i / n) % 3 == 2 ? 0x0400 + i % 64 : (i * 7 + i / n) % 0x400;
            w[i] = (ushort)(magnitude | (i % 2 == 0 ? 0 : 0x8000));
        }
        var x = KernelTestData.Uniform(n, seed: 21);
        var (scaled, masks) = FirstPass(w, n, x);
        var layout = Collect(w, n, masks);
        for (int r = 0; r < HalfDot512.Rows; r++)
        {
            var row = w.AsSpan(r * n, n);
            Assert.True(HalfDot512.TryFinish(scaled[r], row, HalfSubnormals.Row(layout, HalfDot512.Rows, r), x, out float fromPositions));
            // 2·10^−7: an excess off by one unit of 2^−25 per subnormal is 10^−6 here.
            KernelAssert.HalfDotClose(row, x, fromPositions, relative: 2e-7);
        }
    }

    [Theory]
    [InlineData((ushort)0x7C00, 1f)]      // +inf
    [InlineData((ushort)0xFC00, 1f)]      // -inf
    [InlineData((ushort)0x7E00, 1f)]      // NaN
    [InlineData((ushort)0x7BFF, 2f)]      // 65504·2 ≥ 2^16: beyond f32 once scaled by 2^112
    public void TryFinish_RowThatCannotBeScaled_IsRefusedAlone(ushort special, float activation)
    {
        SkipUnlessSupported();
        const int n = 64;
        var w = Halves(HalfDot512.Rows * n, n, seed: 5);
        var x = KernelTestData.Uniform(n, seed: 6);
        x[LargestAt] = 0.25f;
        w[2 * n + 37] = special;          // row 2
        x[37] = activation;
        var (scaled, masks) = FirstPass(w, n, x);
        var layout = Collect(w, n, masks);
        for (int r = 0; r < HalfDot512.Rows; r++)
        {
            var row = w.AsSpan(r * n, n);
            bool finished = HalfDot512.TryFinish(scaled[r], row, HalfSubnormals.Row(layout, HalfDot512.Rows, r), x, out float sum);
            Assert.Equal(r != 2, finished);
            if (finished)
                KernelAssert.HalfDotClose(row, x, sum, relative: 1e-6);
        }
    }

    [Theory]
    [InlineData(16, 2048)]
    [InlineData(13, 96)]
    public void MatMul_FirstCallRecordsTheSegments_LaterCallsReadThem_BothMatchTheExactPath(int rows, int n)
    {
        // 13 rows: one recorded segment, then a group of four on the first pass and a row on the exact path.
        SkipUnlessSupported();
        var weight = NativeTensor.Random(TensorType.F16, rows, n, seed: 31);
        PlantSubnormals(weight, every: 37);
        var x = KernelTestData.Uniform(n, seed: 32);
        var reference = new float[rows];
        MatMul.Multiply(KernelPath.Scalar, x, 1, weight.View, [], reference, pool: null, rowsPerBlock: 0);

        var table = HalfSubnormals.Of(weight.View);
        Assert.False(table.IsSettled(0));
        for (int call = 0; call < 2; call++)
        {
            var fast = new float[rows];
            MatMul.Multiply(Exact512, KernelPath.Vector512, x, 1, weight.View, [], fast, pool: null, rowsPerBlock: 0);
            for (int r = 0; r < rows; r++)
                Assert.InRange(fast[r], reference[r] - 1e-4f, reference[r] + 1e-4f);
            for (int segment = 0; segment < rows / HalfSubnormals.SegmentRows; segment++)
                Assert.True(table.TryGet(segment, out _));
        }
        if (rows % HalfSubnormals.SegmentRows != 0)
            Assert.False(table.TryGet(rows / HalfSubnormals.SegmentRows, out _));
        weight.KeepAlive();
    }

    [Fact]
    public void MatMul_SegmentOfZeroRows_IsNotRecorded_AndTakesTheExactPath()
    {
        // 8 × 8192 zeros per segment: more positions than its ushort offsets hold. (16 rows: MatMul's blocks of
        // fewer than four rows would not reach HalfDot512.)
        SkipUnlessSupported();
        const int rows = 16, n = 8192;
        var weight = NativeTensor.Random(TensorType.F16, rows, n, seed: 41);
        weight.Data.Clear();
        Array.Clear(weight.Values);
        var x = KernelTestData.Uniform(n, seed: 42);
        for (int call = 0; call < 2; call++)
        {
            var fast = new float[rows];
            MatMul.Multiply(Exact512, KernelPath.Vector512, x, 1, weight.View, [], fast, pool: null, rowsPerBlock: 0);
            // Exactly zero: the rows took the exact path.
            Assert.All(fast, value => Assert.Equal(0f, value));
        }
        var table = HalfSubnormals.Of(weight.View);
        for (int segment = 0; segment < 2; segment++)
        {
            Assert.True(table.IsSettled(segment));
            Assert.False(table.TryGet(segment, out _));
        }
        weight.KeepAlive();
    }

    // Halves as a trained model's weights (normal, |w| < 0.1) with some of every kind the widening treats specially:
    // subnormals of both signs, ±0, the smallest normals; and one 65504 per row, against an activation of 1/4 (its
    // product, scaled by 2^112, must stay below f32's largest).
    private const int LargestAt = 5;

    private static ushort[] Halves(int count, int n, int seed)
    {
        var random = new Random(seed);
        var w = new ushort[count];
        for (int i = 0; i < count; i++)
        {
            w[i] = (i % 11) switch
            {
                0 => (ushort)random.Next(1, 0x400),
                1 => (ushort)(0x8000 | random.Next(1, 0x400)),
                2 => (ushort)(random.Next(2) << 15),
                3 => (ushort)(0x0400 | random.Next(0, 0x400) | random.Next(2) << 15),
                _ => BitConverter.HalfToUInt16Bits((Half)(random.NextDouble() * 0.2 - 0.1)),
            };
        }
        for (int i = LargestAt; i < count; i += n)
            w[i] = 0x7BFF;
        return w;
    }

    private static void PlantSubnormals(NativeTensor weight, int every)
    {
        var halves = MemoryMarshal.Cast<byte, ushort>(weight.Data);
        for (int i = 0; i < weight.Values.Length; i += every)
        {
            halves[i] = (ushort)((i * 13 % 0x400) | (i % 2 == 0 ? 0 : 0x8000));
            weight.Values[i] = (double)BitConverter.UInt16BitsToHalf(halves[i]);
        }
    }

    private static float[] Ordered(float[] x)
    {
        var ordered = new float[x.Length];
        HalfDot512.Order(x, ordered);
        return ordered;
    }

    private static (float[] Scaled, uint[] Masks) FirstPass(ushort[] w, int n, float[] x)
    {
        var scaled = new float[HalfDot512.Rows];
        var masks = new uint[HalfDot512.Rows * HalfDot512.MaskWords(n)];
        HalfDot512.Dot4(w, n, Ordered(x), scaled, masks);
        return (scaled, masks);
    }

    // The four rows' positions laid out from their masks, checked against the halves themselves.
    private static ushort[] Collect(ushort[] w, int n, uint[] masks)
    {
        var layout = HalfSubnormals.Collect(masks, HalfDot512.Rows, HalfDot512.MaskWords(n)).ToArray();
        for (int r = 0; r < HalfDot512.Rows; r++)
        {
            var expected = Enumerable.Range(0, n).Where(i => (w[r * n + i] & 0x7C00) == 0).Select(i => (ushort)i);
            Assert.Equal(expected, HalfSubnormals.Row(layout, HalfDot512.Rows, r).ToArray());
        }
        return layout;
    }

    private static void SkipUnlessSupported()
    {
        if (!HalfDot512.IsSupported)
            Assert.Skip("no AVX-512 here: the path is never taken");
    }
}
