using System.Runtime.InteropServices;
using StarChat.Engine.Kernels;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>
/// The int8 × f32 kernel for <see cref="TensorType.Q8_SCB"/> (bitsandbytes LLM.int8 rows): every rung against a
/// double-precision reference on the dequantized weights, over block counts that straddle the vector widths.
/// </summary>
public sealed class Q8ScbKernelTests
{
    private static (byte[] Packed, double[] Values) RandomRows(int rows, int columns, int seed)
    {
        var rng = new Random(seed);
        var q = new sbyte[rows * columns];
        for (int i = 0; i < q.Length; i++)
            q[i] = (sbyte)rng.Next(-127, 128);
        var scales = new float[rows];
        for (int r = 0; r < rows; r++)
            scales[r] = (float)(rng.NextDouble() * 0.5 + 1e-3);
        var packed = new byte[TensorTypeInfo.ByteCount(TensorType.Q8_SCB, (long)rows * columns)];
        Q8_SCB.PackRows(q, scales, columns, packed);
        var values = new double[q.Length];
        for (int i = 0; i < q.Length; i++)
            values[i] = (double)q[i] * scales[i / columns] / 127.0;
        return (packed, values);
    }

    public static TheoryData<KernelPath, int> PathsAndBlocks()
    {
        var data = new TheoryData<KernelPath, int>();
        foreach (var path in new[] { KernelPath.Scalar, KernelPath.Vector256, KernelPath.Vector512 })
            foreach (int blocks in new[] { 1, 2, 3, 7, 8, 9, 16, 33 })
                data.Add(path, blocks);
        return data;
    }

    [Theory, MemberData(nameof(PathsAndBlocks))]
    public void DotQ8Scb_EveryRung_MatchesDoubleReference(KernelPath path, int blocks)
    {
        int n = blocks * 32;
        var (packed, values) = RandomRows(1, n, seed: blocks);
        var x = KernelTestData.Uniform(n, seed: 100 + blocks);
        double expected = 0, magnitude = 0;
        for (int i = 0; i < n; i++)
        {
            expected += values[i] * x[i];
            magnitude += Math.Abs(values[i] * x[i]);
        }
        float actual = VectorMath.DotQ8Scb(path, MemoryMarshal.Cast<byte, BlockQ8_SCB>(packed), x);
        KernelAssert.Close(expected, actual, 1e-6 * magnitude + 1e-7, $"{path} {blocks} blocks");
    }

    [Theory]
    [InlineData(KernelPath.Vector256)]
    [InlineData(KernelPath.Vector512)]
    public void DotQ8Scb_VectorRung_AgreesWithScalarReference(KernelPath path)
    {
        var (packed, _) = RandomRows(1, 640, seed: 9);
        var x = KernelTestData.Uniform(640, seed: 10);
        var blocks = MemoryMarshal.Cast<byte, BlockQ8_SCB>(packed);
        float scalar = VectorMath.DotQ8ScbScalar(blocks, x);
        float vector = VectorMath.DotQ8Scb(path, blocks, x);
        Assert.True(Math.Abs(scalar - vector) <= 1e-5f * Math.Max(1, Math.Abs(scalar)), $"{path}: {vector} vs scalar {scalar}");
    }

    [Fact]
    public void Dequantize_PackedRows_GivesNearestFloatToQTimesAbsmaxOver127()
    {
        sbyte[] q = [.. Enumerable.Range(0, 64).Select(i => (sbyte)(i * 4 - 127))];
        float[] scales = [0.5f, 3.3f];
        var packed = new byte[2 * 36];
        Q8_SCB.PackRows(q, scales, columns: 32, packed);
        var y = new float[64];
        Dequantize.Row(TensorType.Q8_SCB, packed, y);
        for (int i = 0; i < 64; i++)
            Assert.Equal((float)(q[i] * (double)scales[i / 32] / 127), y[i]);
    }

    [Fact]
    public void PackRows_ColumnsNotMultipleOf32_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Q8_SCB.PackRows(new sbyte[40], [1f], columns: 40, new byte[45]));
        Assert.Equal("columns", e.ParamName);
    }

    [Theory]
    [InlineData(KernelPath.Scalar, 1)]
    [InlineData(KernelPath.Vector256, 1)]
    [InlineData(KernelPath.Vector512, 1)]
    [InlineData(KernelPath.Scalar, 5)]
    [InlineData(KernelPath.Vector256, 5)]
    [InlineData(KernelPath.Vector512, 5)]
    public void MatMul_Q8ScbWeights_MatchesDoubleReference(KernelPath path, int tokens)
    {
        const int outFeatures = 37, inFeatures = 96;
        var (packed, values) = RandomRows(outFeatures, inFeatures, seed: 21);
        var pinned = GC.AllocateArray<byte>(packed.Length, pinned: true);
        packed.CopyTo(pinned, 0);
        var view = new TensorView("test.q8_scb", TensorType.Q8_SCB, new TensorShape(outFeatures, inFeatures),
            Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0), pinned.Length);
        Assert.True(MatMulKernels.TryGet(TensorType.Q8_SCB, out var kernel));
        Assert.Equal(TensorType.Q8_SCB, kernel.WeightType);
        var input = KernelTestData.Uniform(tokens * inFeatures, seed: 22);
        var bias = KernelTestData.Uniform(outFeatures, seed: 23);
        var output = new float[tokens * outFeatures];

        MatMul.Multiply(path, input, tokens, view, bias, output, pool: null, rowsPerBlock: 4);

        for (int t = 0; t < tokens; t++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                double expected = bias[o], magnitude = Math.Abs(bias[o]);
                for (int i = 0; i < inFeatures; i++)
                {
                    expected += values[o * inFeatures + i] * input[t * inFeatures + i];
                    magnitude += Math.Abs(values[o * inFeatures + i] * input[t * inFeatures + i]);
                }
                KernelAssert.Close(expected, output[t * outFeatures + o], 1e-6 * magnitude + 1e-7, $"{path} T={tokens} y[{t}, {o}]");
            }
        }
        GC.KeepAlive(pinned);
    }
}
