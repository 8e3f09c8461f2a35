using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using StarChat.Engine.Kernels;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>
/// The AVX2 F16 prompt panels widened with <see cref="RebiasedHalf"/>'s shortcut: every finite half kind against the
/// exact widening, and the two cases it must leave to the exact path — an infinite or NaN weight, and an activation
/// too large to carry 2^112 — through <see cref="MatMul"/> against a float64 reference.
/// </summary>
public sealed class RebiasedPanelTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(40)]
    [InlineData(2048 + 5)]
    public void TryPackRebiased_EveryFiniteHalfKind_IsTheExactPanelTimes2ToTheMinus112(int n)
    {
        if (!PanelTiles.IsSupported)
            Assert.Skip("no AVX2 with FMA here: the path is never taken");
        const int rows = 16;
        var random = new Random(n);
        var w = new ushort[rows * n];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (i % 7) switch
            {
                0 => (ushort)random.Next(1, 0x400),                  // positive subnormal
                1 => (ushort)(0x8000 | random.Next(1, 0x400)),       // negative subnormal
                2 => (ushort)(i % 2 == 0 ? 0x0000 : 0x8000),         // ±0
                3 => (ushort)(i % 2 == 0 ? 0x7BFF : 0xFBFF),         // ±65504, the largest finite halves
                _ => (ushort)(random.Next(0, 0x7C00) | (random.Next(2) << 15)),
            };
        }
        var exact = new float[rows * n];
        var rebiased = new float[rows * n];

        PanelTiles.Pack(w, rows, n, bfloat16: false, exact);
        Assert.True(PanelTiles.TryPackRebiased(w, rows, n, rebiased));

        for (int i = 0; i < exact.Length; i++)
        {
            // Scaling by a power of two is exact both ways, so the bits must agree, signed zeros included.
            float back = (float)((double)rebiased[i] * Math.Pow(2, 112));
            Assert.True(BitConverter.SingleToInt32Bits(back) == BitConverter.SingleToInt32Bits(exact[i]),
                $"panel value {i}: {back} (rebiased {rebiased[i]}) against {exact[i]}");
        }
    }

    [Theory]
    [InlineData((ushort)0x7C00, 37)]   // +inf, in a group of 16
    [InlineData((ushort)0xFC00, 37)]   // -inf
    [InlineData((ushort)0x7E00, 37)]   // NaN
    [InlineData((ushort)0x7C00, 66)]   // +inf in the tail past the last group of 16
    public void InfiniteOrNaNWeight_RefusedByThePackAndMatMulGivesTheExactResult(ushort special, int column)
    {
        if (!PanelTiles.IsSupported)
            Assert.Skip("no AVX2 with FMA here: the path is never taken");
        const int n = 67, rows = 16, tokens = 8;
        var weight = NativeTensor.Random(TensorType.F16, rows, n, seed: 21);
        BitConverter.TryWriteBytes(weight.Data.Slice((3 * n + column) * 2, 2), special);   // row 3
        Assert.False(PanelTiles.TryPackRebiased(MemoryMarshal.Cast<byte, ushort>(weight.Data), rows, n, new float[rows * n]));

        var x = KernelTestData.Uniform(tokens * n, seed: 22);
        var fast = new float[tokens * rows];
        var reference = new float[tokens * rows];
        MatMul.Multiply(KernelPath.Vector256, x, tokens, weight.View, [], fast, pool: null, rowsPerBlock: rows);
        MatMul.Multiply(KernelPath.Scalar, x, tokens, weight.View, [], reference, pool: null, rowsPerBlock: rows);
        for (int t = 0; t < tokens; t++)
        {
            for (int r = 0; r < rows; r++)
            {
                float actual = fast[t * rows + r], expected = reference[t * rows + r];
                if (r == 3)
                    Assert.True(float.IsNaN(actual) || float.IsInfinity(actual), $"y[{t}, 3] = {actual}");
                else
                    Assert.InRange(actual, expected - 1e-4f * (1 + Math.Abs(expected)), expected + 1e-4f * (1 + Math.Abs(expected)));
            }
        }
        weight.KeepAlive();
    }

    [Theory]
    [InlineData(32768f)]
    [InlineData(-1e6f)]
    [InlineData(1e30f)]
    public void ActivationTooLargeForTheRebias_MatMulStaysExact(float large)
    {
        if (!Avx2.IsSupported)
            Assert.Skip("no AVX2 here: the path is never taken");
        const int n = 131, rows = 24, tokens = 9;
        var weight = NativeTensor.Random(TensorType.F16, rows, n, seed: 31);
        var x = KernelTestData.Uniform(tokens * n, seed: 32);
        x[5 * n + 77] = large;                                       // one value of token 5
        var output = new float[tokens * rows];

        MatMul.Multiply(KernelPath.Vector256, x, tokens, weight.View, [], output, pool: null, rowsPerBlock: rows);

        for (int t = 0; t < tokens; t++)
        {
            for (int r = 0; r < rows; r++)
            {
                double expected = 0, magnitude = 0;
                for (int i = 0; i < n; i++)
                {
                    double product = weight.Values[r * n + i] * x[t * n + i];
                    expected += product;
                    magnitude += Math.Abs(product);
                }
                KernelAssert.Close(expected, output[t * rows + r], 1e-6 * magnitude + 1e-7, $"y[{t}, {r}]");
            }
        }
        weight.KeepAlive();
    }
}
