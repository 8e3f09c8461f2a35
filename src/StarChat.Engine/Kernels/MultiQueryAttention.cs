using StarChat.Engine.Threading;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Causal multi-query attention (GPTBigCode <c>multi_query=true</c>): every query head attends to the one shared K/V
/// head. For new token t (cache position PastLength + t) and head h:
/// <c>s_j = scale·(q_{t,h}·k_j)</c> for j ≤ PastLength + t, <c>p = softmax(s)</c> in f32, <c>o_{t,h} = Σ_j p_j·v_j</c>.
/// Masked positions are left out, which equals HF's <c>finfo.min</c> fill since no row is ever fully masked.
/// Each K and V row is read once per token for all heads, which is the point of MQA.
/// </summary>
public static unsafe class MultiQueryAttention
{
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
            var q = new ReadOnlySpan<float>(Queries + (long)t * Shape.QueryStride, heads * d);
            var o = new Span<float>(Output + (long)t * heads * d, heads * d);
            var scores = KernelScratch.Floats(checked(heads * keyCount));   // [heads, keyCount]
            var widened = KernelScratch.Floats2(d);

            // Scores: K row j is read once and dotted with every head's query.
            for (int j = 0; j < keyCount; j++)
            {
                var key = CacheRow(Keys, j, widened);
                for (int h = 0; h < heads; h++)
                    scores[h * keyCount + j] = VectorMath.Dot(Path, q.Slice(h * d, d), key) * Shape.Scale;
            }
            for (int h = 0; h < heads; h++)
                VectorMath.Softmax(Path, scores.Slice(h * keyCount, keyCount));

            // Weighted sum: V row j is read once and added into every head's output.
            o.Clear();
            for (int j = 0; j < keyCount; j++)
            {
                var value = CacheRow(Values, j, widened);
                for (int h = 0; h < heads; h++)
                    VectorMath.AddScaled(Path, o.Slice(h * d, d), value, scores[h * keyCount + j]);
            }
        }

        private readonly ReadOnlySpan<float> CacheRow(void* cache, int row, Span<float> widened)
        {
            int d = Shape.HeadDim;
            if (!HalfCache)
                return new ReadOnlySpan<float>((float*)cache + (long)row * d, d);
            var half = new ReadOnlySpan<ushort>((ushort*)cache + (long)row * d, d);
            FloatConversion.HalfToSingle(Path, half, widened);
            return widened;
        }
    }
}
