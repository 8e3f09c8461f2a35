using StarChat.Engine.Kernels;
using StarChat.Engine.Kernels.Integer;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;
using StarChat.Engine.Threading;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>
/// The integer kernels of <see cref="MatMulKernelSet.Fast"/> on every rung against ggml's generic vec_dot
/// (<see cref="QuantizedDot.Row"/>): the integer block sums are exact, so only float summation order may differ.
/// </summary>
public sealed class IntegerMatMulTests : IDisposable
{
    private static readonly TensorType[] VectorTypes = [TensorType.Q8_0, TensorType.Q4_0, TensorType.Q4_1, TensorType.Q5_0, TensorType.Q5_1, TensorType.Q2_K, TensorType.Q3_K, TensorType.Q6_K, TensorType.Q4_K, TensorType.Q5_K];

    private readonly WorkerPool _pool = new(threadCount: 3, spin: TimeSpan.FromMicroseconds(50));

    public void Dispose() => _pool.Dispose();

    public static TheoryData<TensorType, KernelPath> TypesAndPaths()
    {
        var data = new TheoryData<TensorType, KernelPath>();
        foreach (var type in VectorTypes)
            foreach (var path in new[] { KernelPath.Scalar, KernelPath.Vector256, KernelPath.Vector512 })
                data.Add(type, path);
        return data;
    }

    public static TheoryData<TensorType, int, KernelPath> MatMulCases()
    {
        var data = new TheoryData<TensorType, int, KernelPath>();
        foreach (var type in VectorTypes)
            foreach (int tokens in new[] { 1, 2, 4, 7, 33, 70 })
                foreach (var path in new[] { KernelPath.Vector256, KernelPath.Vector512 })
                    data.Add(type, tokens, path);
        return data;
    }

    [Fact]
    public void HasVectorKernel_OnThisMachine_CoversTheStarCoderTypes()
    {
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported)
            Assert.Skip("no AVX2: only the scalar reference runs here");
        foreach (var type in VectorTypes)
        {
            Assert.True(IntegerDot.HasVectorKernel(type, KernelPath.Vector256), $"{type} Vector256");
            Assert.True(IntegerDot.HasVectorKernel(type, KernelPath.Vector512), $"{type} Vector512");
            Assert.False(IntegerDot.HasVectorKernel(type, KernelPath.Scalar), $"{type} Scalar");
        }
    }

    [Theory, MemberData(nameof(TypesAndPaths))]
    public void Row_SeveralBlockCounts_MatchesGgmlGenericDot(TensorType type, KernelPath path)
    {
        var activationType = QuantizedDot.ActivationType(type);
        int blockSize = TensorTypeInfo.BlockSize(type);
        foreach (int blocks in new[] { 1, 2, 3, 7, 16 })
        {
            int n = blocks * blockSize;
            var weights = QuantizedTensor.Random(type, 1, n, seed: blocks * 31 + (int)type);
            var x = KernelTestData.Uniform(n, seed: blocks + 5, low: -3, high: 3);
            var activations = new byte[TensorTypeInfo.ByteCount(activationType, n)];
            Quantize.Row(activationType, x, activations);

            float expected = QuantizedDot.Row(type, weights.Bytes, activations);
            float actual = IntegerDot.Row(type, path, weights.Bytes, activations);

            KernelAssert.Close(expected, actual, Budget(weights.Values, x), $"{type} {path} {blocks} blocks");
        }
    }

    [Theory, MemberData(nameof(MatMulCases))]
    public void Multiply_OddRowCountsAndTokenCounts_MatchesGgmlGenericDotPerOutput(TensorType type, int tokens, KernelPath path)
    {
        int blockSize = TensorTypeInfo.BlockSize(type);
        var activationType = QuantizedDot.ActivationType(type);
        // 3-row blocks take the one-row kernels; 16-row blocks also the eight-row ones (with a remainder in 37 rows);
        // 70 tokens cross the eight-row prompt kernels' 64-token chunks.
        foreach (var (rows, columns, rowsPerBlock) in new[] { (37, 3 * blockSize, 3), (5, 8 * blockSize, 3), (37, 3 * blockSize, 16), (64, 5 * blockSize, 16) })
        {
            var weights = QuantizedTensor.Random(type, rows, columns, seed: rows * 7 + columns);
            var input = KernelTestData.Uniform(tokens * columns, seed: tokens + 40, low: -2, high: 2);
            var bias = KernelTestData.Uniform(rows, seed: 12);
            var output = new float[tokens * rows];

            MatMul.Multiply(MatMulKernelSet.Fast, path, input, tokens, weights.View, bias, output, _pool, rowsPerBlock);

            int rowBytes = checked((int)weights.View.RowBytes);
            var activations = new byte[TensorTypeInfo.ByteCount(activationType, columns)];
            for (int t = 0; t < tokens; t++)
            {
                var x = input.AsSpan(t * columns, columns);
                Quantize.Row(activationType, x, activations);
                for (int r = 0; r < rows; r++)
                {
                    double expected = QuantizedDot.Row(type, weights.Bytes.Slice(r * rowBytes, rowBytes), activations) + (double)bias[r];
                    KernelAssert.Close(expected, output[t * rows + r],
                        Budget(weights.Values.AsSpan(r * columns, columns), x) + 1e-6, $"{type} {path} T={tokens} [{rows}, {columns}] blocks of {rowsPerBlock} y[{t}, {r}]");
                }
            }
            weights.KeepAlive();
        }
    }

    public static TheoryData<TensorType, KernelPath> NibbleTypesAndPaths()
    {
        var data = new TheoryData<TensorType, KernelPath>();
        foreach (var type in new[] { TensorType.Q4_0, TensorType.Q4_1, TensorType.Q5_0, TensorType.Q5_1 })
            foreach (var path in new[] { KernelPath.Vector256, KernelPath.Vector512 })
                data.Add(type, path);
        return data;
    }

    [Theory, MemberData(nameof(NibbleTypesAndPaths))]
    public void Multiply_LargestNibbleProducts_MatchGgmlGenericDot(TensorType type, KernelPath path)
    {
        // Each block is −1 then 15/16s: all four quantizers give its 31 other weights their largest value (15 or 31),
        // met by activations of ±127, where int16 sums of more products than the kernels take would overflow.
        const int rows = 32, columns = 4 * 32;
        var values = new float[rows * columns];
        for (int i = 0; i < values.Length; i++)
            values[i] = i % 32 == 0 ? -1f : 15f / 16;
        var weights = QuantizedTensor.Of(type, rows, columns, values);
        var input = new float[3 * columns];
        for (int i = 0; i < columns; i++)
        {
            input[i] = 2;
            input[columns + i] = -2;
            input[2 * columns + i] = i % 64 < 32 ? 2 : -2;
        }
        var output = new float[3 * rows];

        MatMul.Multiply(MatMulKernelSet.Fast, path, input, 3, weights.View, [], output, _pool, rowsPerBlock: 16);

        var activationType = QuantizedDot.ActivationType(type);
        var activations = new byte[TensorTypeInfo.ByteCount(activationType, columns)];
        int rowBytes = checked((int)weights.View.RowBytes);
        for (int t = 0; t < 3; t++)
        {
            Quantize.Row(activationType, input.AsSpan(t * columns, columns), activations);
            for (int r = 0; r < rows; r++)
            {
                double expected = QuantizedDot.Row(type, weights.Bytes.Slice(r * rowBytes, rowBytes), activations);
                KernelAssert.Close(expected, output[t * rows + r], 1e-5 * Math.Abs(expected) + 1e-4, $"{type} {path} y[{t}, {r}]");
            }
        }
        weights.KeepAlive();
    }

    [Theory]
    [InlineData(TensorType.Q4_0)]
    [InlineData(TensorType.Q6_K)]
    public void Multiply_FastAgainstExact_DiffersOnlyByActivationRounding(TensorType type)
    {
        const int rows = 64, columns = 1024, tokens = 3;
        var weights = QuantizedTensor.Random(type, rows, columns, seed: 9);
        var input = KernelTestData.Uniform(tokens * columns, seed: 10);
        var fast = new float[tokens * rows];
        var exact = new float[tokens * rows];
        MatMul.Multiply(MatMulKernelSet.Fast, input, tokens, weights.View, [], fast, _pool);
        MatMul.Multiply(MatMulKernelSet.Exact, input, tokens, weights.View, [], exact, _pool);
        for (int t = 0; t < tokens; t++)
        {
            for (int r = 0; r < rows; r++)
            {
                // 8-bit activations carry ~1/254 relative error per value, random in sign: the sum drifts by far less
                // than 1 % of Σ|w·x|.
                double magnitude = 0;
                for (int i = 0; i < columns; i++)
                    magnitude += Math.Abs(weights.Values[r * columns + i] * input[t * columns + i]);
                KernelAssert.Close(exact[t * rows + r], fast[t * rows + r], 0.01 * magnitude, $"{type} y[{t}, {r}]");
            }
        }
        Assert.NotEqual(exact, fast);   // the sets really differ
        weights.KeepAlive();
    }

    [Fact]
    public void For_EachMode_GivesTheMatchingSet()
    {
        Assert.Same(MatMulKernelSet.Fast, MatMulKernelSet.For(QuantizedMatMul.Fast));
        Assert.Same(MatMulKernelSet.Exact, MatMulKernelSet.For(QuantizedMatMul.Exact));
        Assert.True(MatMulKernelSet.Exact.TryGet(TensorType.Q4_0, out var exact));
        Assert.True(MatMulKernelSet.Fast.TryGet(TensorType.Q4_0, out var fast));
        Assert.Equal(0, exact.PreparedBytesPerToken(64, tokens: 3));
        Assert.Equal(2 * 34 + 2 * IntegerDot.EightRowBlockBytes(TensorType.Q4_0), fast.PreparedBytesPerToken(64, tokens: 3));
        Assert.True(MatMulKernelSet.Fast.TryGet(TensorType.F16, out var f16) && f16.WeightType == TensorType.F16);
        Assert.Throws<ArgumentOutOfRangeException>(() => MatMulKernelSet.For((QuantizedMatMul)7));
    }

    // Float summation order differs between rungs; the integer parts agree exactly.
    private static double Budget(ReadOnlySpan<float> weights, ReadOnlySpan<float> x)
    {
        double magnitude = 0;
        for (int i = 0; i < weights.Length; i++)
            magnitude += Math.Abs((double)weights[i] * x[i]);
        return 1e-5 * magnitude + 1e-6;
    }
}
