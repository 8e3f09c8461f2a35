using StarChat.Engine.Kernels;
using StarChat.Engine.Threading;

namespace StarChat.Engine.Tests.Kernels;

public sealed class MultiQueryAttentionTests : IDisposable
{
    private readonly WorkerPool _pool = new(threadCount: 3, spin: TimeSpan.FromMicroseconds(50));

    public void Dispose() => _pool.Dispose();

    public static TheoryData<KernelPath, int, int, int, int> Cases()
    {
        var data = new TheoryData<KernelPath, int, int, int, int>();
        foreach (var path in new[] { KernelPath.Scalar, KernelPath.Vector256, KernelPath.Vector512 })
        {
            data.Add(path, 1, 0, 4, 16);     // first token: a single key
            data.Add(path, 1, 9, 3, 13);     // decoding with a past, odd head_dim
            data.Add(path, 5, 0, 2, 64);     // prompt, no past
            data.Add(path, 4, 6, 5, 24);     // prompt continuing a past
        }
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Compute_F32Cache_MatchesNaiveDoubleReference(KernelPath path, int tokens, int past, int heads, int headDim)
    {
        var (queries, keys, values, shape) = Inputs(tokens, past, heads, headDim, queryPadding: 0);
        var output = new float[tokens * heads * headDim];
        MultiQueryAttention.Compute(path, queries, keys, values, output, shape, _pool);
        var expected = Reference(queries, keys.Select(v => (double)v).ToArray(), values.Select(v => (double)v).ToArray(), shape);
        KernelAssert.AllClose(expected, output, relative: 2e-6, floor: 1, $"{path} T={tokens} past={past}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Compute_F16Cache_MatchesNaiveDoubleReference(KernelPath path, int tokens, int past, int heads, int headDim)
    {
        var (queries, keys, values, shape) = Inputs(tokens, past, heads, headDim, queryPadding: 7);
        var halfKeys = keys.Select(v => (Half)v).ToArray();
        var halfValues = values.Select(v => (Half)v).ToArray();
        var output = new float[tokens * heads * headDim];
        MultiQueryAttention.Compute(path, queries, halfKeys, halfValues, output, shape, pool: null);
        var expected = Reference(queries, halfKeys.Select(v => (double)v).ToArray(), halfValues.Select(v => (double)v).ToArray(), shape);
        KernelAssert.AllClose(expected, output, relative: 2e-6, floor: 1, $"{path} T={tokens} past={past}");
    }

    [Fact]
    public void Compute_ScaleOverride_IsApplied()
    {
        var (queries, keys, values, shape) = Inputs(tokens: 2, past: 3, heads: 2, headDim: 8, queryPadding: 0);
        shape = shape with { Scale = 1f };   // scale_attn_weights = false
        var output = new float[2 * 2 * 8];
        MultiQueryAttention.Compute(queries, keys, values, output, shape);
        var expected = Reference(queries, keys.Select(v => (double)v).ToArray(), values.Select(v => (double)v).ToArray(), shape);
        KernelAssert.AllClose(expected, output, relative: 2e-6, floor: 1, "scale 1");
    }

    [Fact]
    public void Compute_AfterWarmUp_AllocatesNothing()
    {
        var (queries, keys, values, shape) = Inputs(tokens: 3, past: 40, heads: 4, headDim: 32, queryPadding: 0);
        var halfKeys = keys.Select(v => (Half)v).ToArray();
        var halfValues = values.Select(v => (Half)v).ToArray();
        var output = new float[3 * 4 * 32];
        var decode = shape with { Tokens = 1 };
        var decodeOutput = new float[4 * 32];
        for (int i = 0; i < 3; i++)
        {
            MultiQueryAttention.Compute(queries, keys, values, output, shape, _pool);
            MultiQueryAttention.Compute(queries.AsSpan(0, 128), halfKeys, halfValues, decodeOutput, decode);
        }
        // A per-call allocation shows in every round; a one-off lazy allocation inside the runtime's wait primitives
        // (when a loaded machine first makes the pool block instead of spin) shows in one round at most.
        var rounds = new long[3];
        for (int round = 0; round < rounds.Length; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++)
            {
                MultiQueryAttention.Compute(queries, keys, values, output, shape, _pool);
                MultiQueryAttention.Compute(queries.AsSpan(0, 128), halfKeys, halfValues, decodeOutput, decode);
            }
            rounds[round] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(rounds.Count(r => r == 0) >= 2, $"bytes allocated per round of 20 calls: {string.Join(", ", rounds)}");
    }

    [Fact]
    public void Compute_FirstToken_ReturnsItsOwnValue()
    {
        // One key: softmax over one score is 1, so every head outputs v_0 exactly.
        var (queries, keys, values, shape) = Inputs(tokens: 1, past: 0, heads: 3, headDim: 10, queryPadding: 0);
        var output = new float[3 * 10];
        MultiQueryAttention.Compute(queries, keys, values, output, shape);
        for (int h = 0; h < 3; h++)
            Assert.Equal(values.AsSpan(0, 10).ToArray(), output.AsSpan(h * 10, 10).ToArray());
    }

    [Fact]
    public void Compute_CacheTooShort_Throws()
    {
        var shape = new AttentionShape(Tokens: 2, Heads: 2, HeadDim: 4, PastLength: 3);
        var e = Assert.Throws<ArgumentException>(() =>
            MultiQueryAttention.Compute(new float[16], new float[4 * 4], new float[5 * 4], new float[16], shape));
        Assert.Equal("keys", e.ParamName);
    }

    [Fact]
    public void Compute_OutputWrongLength_Throws()
    {
        var shape = new AttentionShape(Tokens: 1, Heads: 2, HeadDim: 4, PastLength: 0);
        var e = Assert.Throws<ArgumentException>(() =>
            MultiQueryAttention.Compute(new float[8], new float[4], new float[4], new float[9], shape));
        Assert.Equal("output", e.ParamName);
    }

    private static (float[] Queries, float[] Keys, float[] Values, AttentionShape Shape) Inputs(
        int tokens, int past, int heads, int headDim, int queryPadding)
    {
        var shape = new AttentionShape(tokens, heads, headDim, past) { QueryStride = heads * headDim + queryPadding };
        // Queries of magnitude ~3 give peaked but not one-hot softmaxes.
        var queries = KernelTestData.Uniform(tokens * shape.QueryStride, seed: 1, low: -3, high: 3);
        // The cache holds one spare row beyond KeyCount: the kernel must not read it (NaN would poison the result).
        var keys = KernelTestData.Uniform((shape.KeyCount + 1) * headDim, seed: 2, low: -3, high: 3);
        var values = KernelTestData.Uniform((shape.KeyCount + 1) * headDim, seed: 3);
        keys.AsSpan(shape.KeyCount * headDim).Fill(float.NaN);
        values.AsSpan(shape.KeyCount * headDim).Fill(float.NaN);
        return (queries, keys, values, shape);
    }

    // Textbook masked attention in double: scores for every position, −∞ where j > past + t, softmax, weighted sum.
    private static double[] Reference(float[] queries, double[] keys, double[] values, AttentionShape shape)
    {
        int d = shape.HeadDim, total = shape.KeyCount;
        var output = new double[shape.Tokens * shape.Heads * d];
        for (int t = 0; t < shape.Tokens; t++)
        {
            for (int h = 0; h < shape.Heads; h++)
            {
                var scores = new double[total];
                for (int j = 0; j < total; j++)
                {
                    if (j > shape.PastLength + t)
                    {
                        scores[j] = double.NegativeInfinity;
                        continue;
                    }
                    double dot = 0;
                    for (int i = 0; i < d; i++)
                        dot += queries[t * shape.QueryStride + h * d + i] * keys[j * d + i];
                    scores[j] = dot * shape.Scale;
                }
                double max = scores.Max();
                var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
                double sum = weights.Sum();
                for (int j = 0; j < total; j++)
                {
                    for (int i = 0; i < d; i++)
                        output[(t * shape.Heads + h) * d + i] += weights[j] / sum * values[j * d + i];
                }
            }
        }
        return output;
    }
}
