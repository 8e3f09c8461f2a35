using StarChat.Engine.Threading;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Causal multi-query attention (GPTBigCode <c>multi_query=true</c>): every query head attends to the one shared K/V
/// head. For new token t (cache position PastLength + t) and head h:
/// <c>s_j = scale·(q_{t,h}·k_j)</c> for j ≤ PastLength + t, <c>p = softmax(s)</c> in f32, <c>o_{t,h} = Σ_j p_j·v_j</c>.
/// Masked positions are left out, which equals HF's <c>finfo.min</c> fill since no row is ever fully masked.
/// Each K and V row is read from memory once per token for all heads (blocks of rows stay in L1 while every head
/// uses them), which is the point of MQA.
/// </summary>
public static unsafe class MultiQueryAttention
{
    // Cache rows handled together: 64 rows of 128 values are 32 KiB of f32, an L1's worth.
    private const int CacheBlockRows = 64;

    /// <summary>Attention over an f32 cache.</summary>
    /// <param name="queries">Queries <c>[Tokens, Heads·HeadDim]</c>, consecutive tokens <see cref="AttentionShape.QueryStride"/> floats apart.</param>
    /// <param name="keys">Keys <c>[≥ KeyCount, HeadDim]</c>: the cache, new tokens' keys already appended.</param>
    /// <param name="values">Values, same layout as <paramref name="keys"/>.</param>
    /// <param name="output">Attention output <c>[Tokens, Heads·HeadDim]</c>, packed.</param>
    /// <param name="shape">Sizes of the call.</param>
    /// <param name="pool">Threads to split tokens over (only used when Tokens &gt; 1); null computes on the caller.</param>
    /// <exception cref="ArgumentException">A size is negative or a span is too short.</exception>
    public static void Compute(ReadOnlySpan<float> queries, ReadOnlySpan<float> keys, ReadOnlySpan<float> values,
        Span<float> output, AttentionShape shape, WorkerPool? pool = null)
    {
        Validate(queries.Length, keys.Length, values.Length, output.Length, shape);
        fixed (float* q = queries) fixed (float* k = keys) fixed (float* v = values) fixed (float* o = output)
            Run(KernelSelection.Current, q, k, v, halfCache: false, o, shape, pool);
    }

    /// <summary>Attention over an f16 cache (half the cache memory and traffic; rows are widened once per token).</summary>
    /// <inheritdoc cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, AttentionShape, WorkerPool?)"/>
    public static void Compute(ReadOnlySpan<float> queries, ReadOnlySpan<Half> keys, ReadOnlySpan<Half> values,
        Span<float> output, AttentionShape shape, WorkerPool? pool = null)
    {
        Validate(queries.Length, keys.Length, values.Length, output.Length, shape);
        fixed (float* q = queries) fixed (Half* k = keys) fixed (Half* v = values) fixed (float* o = output)
            Run(KernelSelection.Current, q, k, v, halfCache: true, o, shape, pool);
    }

    internal static void Compute(KernelPath path, ReadOnlySpan<float> queries, ReadOnlySpan<float> keys,
        ReadOnlySpan<float> values, Span<float> output, AttentionShape shape, WorkerPool? pool)
    {
        Validate(queries.Length, keys.Length, values.Length, output.Length, shape);
        fixed (float* q = queries) fixed (float* k = keys) fixed (float* v = values) fixed (float* o = output)
            Run(path, q, k, v, halfCache: false, o, shape, pool);
    }

    internal static void Compute(KernelPath path, ReadOnlySpan<float> queries, ReadOnlySpan<Half> keys,
        ReadOnlySpan<Half> values, Span<float> output, AttentionShape shape, WorkerPool? pool)
    {
        Validate(queries.Length, keys.Length, values.Length, output.Length, shape);
        fixed (float* q = queries) fixed (Half* k = keys) fixed (Half* v = values) fixed (float* o = output)
            Run(path, q, k, v, halfCache: true, o, shape, pool);
    }

    private static void Validate(int queries, int keys, int values, int output, AttentionShape shape)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shape.Tokens, nameof(shape));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shape.Heads, nameof(shape));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shape.HeadDim, nameof(shape));
        ArgumentOutOfRangeException.ThrowIfNegative(shape.PastLength, nameof(shape));
        long width = (long)shape.Heads * shape.HeadDim;
        if (shape.QueryStride < width)
            throw new ArgumentException($"query stride {shape.QueryStride} is less than heads × head_dim = {width}", nameof(shape));
        if (shape.Tokens == 0)
            return;
        long neededQueries = (long)(shape.Tokens - 1) * shape.QueryStride + width;
        long neededCache = ((long)shape.PastLength + shape.Tokens) * shape.HeadDim;
        if (queries < neededQueries)
            throw new ArgumentException($"queries hold {queries} values, {shape} needs {neededQueries}", nameof(queries));
        if (keys < neededCache)
            throw new ArgumentException($"keys hold {keys} values, {shape} needs {neededCache}", nameof(keys));
        if (values < neededCache)
            throw new ArgumentException($"values hold {values} values, {shape} needs {neededCache}", nameof(values));
        if (output != shape.Tokens * width)
            throw new ArgumentException($"output holds {output} values, {shape} needs {shape.Tokens * width}", nameof(output));
    }

    private static void Run(KernelPath path, float* q, void* k, void* v, bool halfCache, float* o, AttentionShape shape, WorkerPool? pool)
    {
        if (shape.Tokens == 0)
            return;
        var body = new TokenBody { Path = path, Queries = q, Keys = k, Values = v, HalfCache = halfCache, Output = o, Shape = shape };
        if (pool is null || shape.Tokens == 1)
            body.Invoke(0, shape.Tokens);
        else
            pool.ParallelFor(shape.Tokens, 1, body);
    }

    private struct TokenBody : IParallelBody
    {
        public KernelPath Path;
        public float* Queries;
        public void* Keys;
        public void* Values;
        public bool HalfCache;
        public float* Output;
        public AttentionShape Shape;

        public readonly void Invoke(int start, int end)
        {
            for (int t = start; t < end; t++)
                AttendOneToken(t);
        }

        private readonly void AttendOneToken(int t)
        {
            int heads = Shape.Heads, d = Shape.HeadDim, keyCount = Shape.PastLength + t + 1;
            var q = new ReadOnlySpan<float>(Queries + (long)t * Shape.QueryStride, heads * d);   // [heads, d]
            var o = new Span<float>(Output + (long)t * heads * d, heads * d);
            var scores = KernelScratch.Floats(checked(heads * keyCount));                        // [heads, keyCount]
            var widened = KernelScratch.Floats2(CacheBlockRows * d);

            // Scores, a block of K rows at a time: the block comes from memory once and serves every head from L1
            // (tiles of 2 keys × 4 heads, the heads standing in for FloatTiles' tokens).
            for (int j0 = 0; j0 < keyCount; j0 += CacheBlockRows)
            {
                int rows = Math.Min(CacheBlockRows, keyCount - j0);
                FloatTiles.Multiply(Path, CacheRows(Keys, j0, rows, widened), rows, q, heads, d, scores, keyCount, j0);
            }
            VectorMath.Scale(Path, scores, Shape.Scale);
            for (int h = 0; h < heads; h++)
                VectorMath.Softmax(Path, scores.Slice(h * keyCount, keyCount));

            // Weighted sum of V, block by block likewise: o_h += Σ_j p_{h,j}·v_j.
            o.Clear();
            for (int j0 = 0; j0 < keyCount; j0 += CacheBlockRows)
            {
                int rows = Math.Min(CacheBlockRows, keyCount - j0);
                var values = CacheRows(Values, j0, rows, widened);
                for (int h = 0; h < heads; h++)
                    VectorMath.AddWeightedRows(Path, o.Slice(h * d, d), values, scores.Slice(h * keyCount + j0, rows));
            }
        }

        // Rows [first, first + count) of the cache as f32: in place for an f32 cache, widened into scratch for f16.
        private readonly ReadOnlySpan<float> CacheRows(void* cache, int first, int count, Span<float> widened)
        {
            int d = Shape.HeadDim;
            if (!HalfCache)
                return new ReadOnlySpan<float>((float*)cache + (long)first * d, count * d);
            var half = new ReadOnlySpan<ushort>((ushort*)cache + (long)first * d, count * d);
            var destination = widened[..(count * d)];
            FloatConversion.HalfToSingle(Path, half, destination);
            return destination;
        }
    }
}
