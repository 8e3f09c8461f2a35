using System.Runtime.InteropServices;
using StarChat.Engine.Kernels;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>
/// The packed 4-bit GPTQ kernel (<see cref="TensorType.Q4_GPTQ"/>): exact dequantization, and every rung against a
/// double-precision reference on the dequantized weights, over block counts that straddle the vector widths.
/// </summary>
public sealed class Q4GptqKernelTests
{
    private static (byte[] Packed, double[] Values) RandomRows(int rows, int columns, int seed)
    {
        var rng = new Random(seed);
        int blocks = columns / 32;
        var packed = new byte[TensorTypeInfo.ByteCount(TensorType.Q4_GPTQ, (long)rows * columns)];
        var values = new double[rows * columns];
        var q = new byte[32];
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k < blocks; k++)
            {
                var scale = (Half)(rng.NextDouble() * 0.02 + 1e-4);
                int zero = rng.Next(0, 17);
                for (int j = 0; j < 32; j++)
                {
                    q[j] = (byte)rng.Next(0, 16);
                    values[r * columns + k * 32 + j] = (double)scale * (q[j] - zero);
                }
                Q4_GPTQ.PackBlock(q, BitConverter.HalfToUInt16Bits(scale), zero, packed.AsSpan((r * blocks + k) * Q4_GPTQ.BlockBytes, Q4_GPTQ.BlockBytes));
            }
        }
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

    [Fact]
    public void Dequantize_PackedBlocks_IsExact()
    {
        var (packed, values) = RandomRows(3, 96, seed: 1);
        var y = new float[values.Length];
        Dequantize.Row(TensorType.Q4_GPTQ, packed, y);
        for (int i = 0; i < y.Length; i++)
            Assert.Equal(values[i], y[i]);
    }

    [Theory, MemberData(nameof(PathsAndBlocks))]
    public void DotQ4Gptq_EveryRung_MatchesDoubleReference(KernelPath path, int blocks)
    {
        int n = blocks * 32;
        var (packed, values) = RandomRows(1, n, seed: blocks);
        var x = KernelTestData.Uniform(n, seed: 200 + blocks);
        double expected = 0, magnitude = 0;
        for (int i = 0; i < n; i++)
        {
            expected += values[i] * x[i];
            magnitude += Math.Abs(values[i] * x[i]);
        }
        float actual = VectorMath.DotQ4Gptq(path, MemoryMarshal.Cast<byte, BlockQ4_GPTQ>(packed), x);
        KernelAssert.Close(expected, actual, 1e-6 * magnitude + 1e-7, $"{path} {blocks} blocks");
    }

    [Theory]
    [InlineData(KernelPath.Vector256)]
    [InlineData(KernelPath.Vector512)]
    public void DotQ4Gptq_VectorRung_AgreesWithScalarReference(KernelPath path)
    {
        var (packed, _) = RandomRows(1, 640, seed: 9);
        var x = KernelTestData.Uniform(640, seed: 10);
        var blocks = MemoryMarshal.Cast<byte, BlockQ4_GPTQ>(packed);
        float scalar = VectorMath.DotQ4GptqScalar(blocks, x);
        float vector = VectorMath.DotQ4Gptq(path, blocks, x);
        Assert.True(Math.Abs(scalar - vector) <= 1e-5f * Math.Max(1, Math.Abs(scalar)), $"{path}: {vector} vs scalar {scalar}");
    }

    [Fact]
    public void PackBlock_ValueAbove15_Throws()
    {
        var q = new byte[32];
        q[5] = 16;
        Assert.Throws<ArgumentException>(() => Q4_GPTQ.PackBlock(q, 0x3C00, 8, new byte[Q4_GPTQ.BlockBytes]));
    }

    [Theory]
    [InlineData(KernelPath.Scalar, 1)]
    [InlineData(KernelPath.Vector256, 1)]
    [InlineData(KernelPath.Vector512, 1)]
    [InlineData(KernelPath.Vector256, 6)]
    public void MatMul_Q4GptqWeights_MatchesDoubleReference(KernelPath path, int tokens)
    {
        const int outFeatures = 19, inFeatures = 128;
        var (packed, values) = RandomRows(outFeatures, inFeatures, seed: 31);
        var pinned = GC.AllocateArray<byte>(packed.Length, pinned: true);
        packed.CopyTo(pinned, 0);
        var view = new TensorView("test.q4_gptq", TensorType.Q4_GPTQ, new TensorShape(outFeatures, inFeatures),
            Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0), pinned.Length);
        var input = KernelTestData.Uniform(tokens * inFeatures, seed: 32);
        var output = new float[tokens * outFeatures];

        MatMul.Multiply(path, input, tokens, view, [], output, pool: null, rowsPerBlock: 5);

        for (int t = 0; t < tokens; t++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                double expected = 0, magnitude = 0;
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
