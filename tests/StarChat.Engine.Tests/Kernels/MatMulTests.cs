using StarChat.Engine.Kernels;
using StarChat.Engine.Tensors;
using StarChat.Engine.Threading;

namespace StarChat.Engine.Tests.Kernels;

public sealed class MatMulTests : IDisposable
{
    private readonly WorkerPool _pool = new(threadCount: 3, spin: TimeSpan.FromMicroseconds(50));

    public void Dispose() => _pool.Dispose();

    public static TheoryData<TensorType, int, KernelPath> Cases()
    {
        var data = new TheoryData<TensorType, int, KernelPath>();
        foreach (var type in new[] { TensorType.F32, TensorType.F16, TensorType.BF16 })
            foreach (int tokens in new[] { 1, 2, 7, 11, 14, 16, 33, 50 })
                foreach (var path in new[] { KernelPath.Scalar, KernelPath.Vector256, KernelPath.Vector512 })
                    data.Add(type, tokens, path);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Multiply_OddShapes_MatchesDoubleReference(TensorType type, int tokens, KernelPath path)
    {
        // Blocks of 3 rows exercise the 1-row tail of the dot-product tiles and several blocks the pool; blocks of 16
        // and 24 rows also the eight-row panels (with 5 rows left over in 37, an odd panel count in 40) and the
        // four-row AVX-512 tiles; 2100 inputs three slices of those tiles, the last with a tail.
        foreach (var (outFeatures, inFeatures, rowsPerBlock) in new[] { (37, 67, 3), (5, 131, 3), (64, 16, 3), (37, 67, 16), (40, 131, 24), (13, 2100, 8) })
        {
            var weight = NativeTensor.Random(type, outFeatures, inFeatures, seed: outFeatures * 1000 + inFeatures);
            var input = KernelTestData.Uniform(tokens * inFeatures, seed: 11);
            var bias = KernelTestData.Uniform(outFeatures, seed: 12);
            var output = new float[tokens * outFeatures];

            MatMul.Multiply(path, input, tokens, weight.View, bias, output, _pool, rowsPerBlock);

            AssertMatchesReference(weight, input, bias, output, tokens, $"{type} T={tokens} {path} [{outFeatures}, {inFeatures}] blocks of {rowsPerBlock}");
        }
    }

    [Theory]
    [InlineData(TensorType.F16, 1)]
    [InlineData(TensorType.F16, 9)]
    [InlineData(TensorType.BF16, 4)]
    [InlineData(TensorType.F32, 5)]
    public void Multiply_PublicEntryWithoutBiasOrPool_MatchesDoubleReference(TensorType type, int tokens)
    {
        var weight = NativeTensor.Random(type, 300, 2048 + 8 + 3, seed: 3);
        var input = KernelTestData.Uniform(tokens * 2059, seed: 4);
        var output = new float[tokens * 300];
        MatMul.Multiply(input, tokens, weight.View, ReadOnlySpan<float>.Empty, output);
        AssertMatchesReference(weight, input, [], output, tokens, $"{type} T={tokens}");
    }

    [Fact]
    public void Multiply_PoolOrNot_GivesIdenticalResults()
    {
        var weight = NativeTensor.Random(TensorType.F16, 129, 96, seed: 5);
        var input = KernelTestData.Uniform(6 * 96, seed: 6);
        var serial = new float[6 * 129];
        var parallel = new float[6 * 129];
        MatMul.Multiply(KernelPath.Vector256, input, 6, weight.View, [], serial, pool: null, rowsPerBlock: 4);
        MatMul.Multiply(KernelPath.Vector256, input, 6, weight.View, [], parallel, _pool, rowsPerBlock: 4);
        Assert.Equal(serial, parallel);
        weight.KeepAlive();
    }

    [Theory]
    [InlineData(TensorType.F16, 1)]
    [InlineData(TensorType.F16, 6)]
    [InlineData(TensorType.BF16, 1)]
    [InlineData(TensorType.F32, 3)]
    public void Multiply_AfterWarmUp_AllocatesNothing(TensorType type, int tokens)
    {
        var weight = NativeTensor.Random(type, 96, 80, seed: 8);
        var input = KernelTestData.Uniform(tokens * 80, seed: 9);
        var bias = KernelTestData.Uniform(96, seed: 10);
        var output = new float[tokens * 96];
        for (int i = 0; i < 5; i++)
        {
            MatMul.Multiply(input, tokens, weight.View, bias, output, _pool);
            MatMul.Multiply(input, tokens, weight.View, bias, output);
        }
        // Per-call allocations show in every round; the runtime's one-off lazy lock in a blocking wait in one at most.
        var rounds = new long[3];
        for (int round = 0; round < rounds.Length; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++)
            {
                MatMul.Multiply(input, tokens, weight.View, bias, output, _pool);
                MatMul.Multiply(input, tokens, weight.View, bias, output);
            }
            rounds[round] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(rounds.Count(r => r == 0) >= 2, $"bytes allocated per round of 50 calls: {string.Join(", ", rounds)}");
        weight.KeepAlive();
    }

    [Fact]
    public void Multiply_ZeroTokens_DoesNothing()
    {
        var weight = NativeTensor.Random(TensorType.F32, 4, 4, seed: 1);
        MatMul.Multiply([], 0, weight.View, [], [], _pool);
    }

    [Fact]
    public void Multiply_InputLengthWrong_ThrowsNamingTensor()
    {
        var weight = NativeTensor.Random(TensorType.F32, 4, 6, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => MatMul.Multiply(new float[11], 2, weight.View, [], new float[8]));
        Assert.Equal("input", e.ParamName);
        Assert.Contains(weight.View.Name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multiply_OutputLengthWrong_Throws()
    {
        var weight = NativeTensor.Random(TensorType.F32, 4, 6, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => MatMul.Multiply(new float[12], 2, weight.View, [], new float[9]));
        Assert.Equal("output", e.ParamName);
    }

    [Fact]
    public void Multiply_BiasLengthWrong_Throws()
    {
        var weight = NativeTensor.Random(TensorType.F32, 4, 6, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => MatMul.Multiply(new float[6], 1, weight.View, new float[3], new float[4]));
        Assert.Equal("bias", e.ParamName);
    }

    [Fact]
    public void Multiply_RankOneWeight_Throws()
    {
        var view = new TensorView("ln.weight", TensorType.F32, new TensorShape(4), address: 64, byteLength: 16);
        var e = Assert.Throws<ArgumentException>(() => MatMul.Multiply(new float[4], 1, view, [], new float[1]));
        Assert.Contains("ln.weight", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multiply_TypeWithoutKernel_ThrowsNotSupported()
    {
        Assert.False(MatMulKernels.TryGet(TensorType.I32, out _));
        var view = new TensorView("odd.weight", TensorType.I32, new TensorShape(2, 4), address: 64, byteLength: 32);
        var e = Assert.Throws<NotSupportedException>(() => MatMul.Multiply(new float[4], 1, view, [], new float[2]));
        Assert.Contains("odd.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("i32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MatMulKernels_BuiltIns_CoverFloatTypes()
    {
        foreach (var type in new[] { TensorType.F32, TensorType.F16, TensorType.BF16 })
        {
            Assert.True(MatMulKernels.TryGet(type, out var kernel));
            Assert.Equal(type, kernel.WeightType);
        }
    }

    [Fact]
    public void MatMulKernels_EachType_HasOneKernel_AndTheWideningOnesReplaceDequantizing()
    {
        var types = MatMulKernels.Types;
        Assert.Equal(types.Count, types.Distinct().Count());
        // bitsandbytes and GPTQ blocks can also be dequantized; their own widening dots are the ones registered.
        foreach (var type in new[] { TensorType.Q8_SCB, TensorType.Q4_GPTQ })
        {
            Assert.True(MatMulKernels.TryGet(type, out var kernel));
            Assert.IsType<WideningMatMulKernel>(kernel);
        }
        Assert.True(MatMulKernels.TryGet(TensorType.Q4_0, out var q4));
        Assert.IsType<DequantizingMatMulKernel>(q4);
    }

    [Theory]
    [InlineData(200, 1, 32)]     // the kernel's 32 rows (a quarter of the rows would be 50)
    [InlineData(64, 1, 16)]      // a quarter of the rows each: 16
    [InlineData(200, 3, 24)]     // three threads, four blocks each: 200 / 12 → 17, in whole groups of eight
    public void Prompt_KernelsPreferredRowsPerBlock_IsTakenWhileEachThreadGetsFourBlocks(int rows, int threads, int expected)
    {
        var weight = NativeTensor.Random(TensorType.F32, rows, 16, seed: 3);
        var kernel = new BlockRecordingKernel(preferredRows: 32);
        var set = MatMulKernelSet.Exact.With(kernel);
        var pool = threads == 1 ? null : _pool;
        Assert.Equal(threads, pool?.ThreadCount ?? 1);
        var input = KernelTestData.Uniform(4 * 16, seed: 4);
        MatMul.Multiply(set, KernelPath.Scalar, input, 4, weight.View, [], new float[4 * rows], pool, rowsPerBlock: 0);
        var counts = kernel.RowCounts.OrderBy(c => c).ToArray();
        Assert.Equal(rows, counts.Sum());
        Assert.All(counts[1..], count => Assert.Equal(expected, count));   // the shortest may be a remainder
        Assert.InRange(counts[0], 1, expected);
        weight.KeepAlive();
    }

    // Records the rows of each block it is given; the products themselves are not this test's concern.
    private sealed class BlockRecordingKernel(int preferredRows) : IMatMulKernel
    {
        private readonly System.Collections.Concurrent.ConcurrentBag<int> _rowCounts = [];

        public IReadOnlyCollection<int> RowCounts => _rowCounts;

        public TensorType WeightType => TensorType.F32;

        public int PreparedBytesPerToken(int inFeatures, int tokens) => 0;

        public void Prepare(KernelPath path, ReadOnlySpan<float> input, int tokens, Span<byte> prepared) { }

        public int PromptRowsPerBlock(KernelPath path, int inFeatures, int tokens) => preferredRows;

        public void Multiply(in MatMulBlock block) => _rowCounts.Add(block.RowCount);
    }

    private static void AssertMatchesReference(NativeTensor weight, float[] input, float[] bias, float[] output, int tokens, string context)
    {
        int outFeatures = (int)weight.View.Shape[0], inFeatures = (int)weight.View.Shape[1];
        for (int t = 0; t < tokens; t++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                double expected = bias.Length == 0 ? 0 : bias[o], magnitude = Math.Abs(expected);
                for (int i = 0; i < inFeatures; i++)
                {
                    double product = input[t * inFeatures + i] * weight.Values[o * inFeatures + i];
                    expected += product;
                    magnitude += Math.Abs(product);
                }
                KernelAssert.Close(expected, output[t * outFeatures + o], 1e-6 * magnitude + 1e-7, $"{context} y[{t}, {o}]");
            }
        }
    }
}
