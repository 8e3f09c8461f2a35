using StarChat.Engine.Inference;
using StarChat.Engine.Kernels;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;
using StarChat.Engine.Threading;

namespace StarChat.Engine.Models.GptBigCode;

/// <summary>Run-time choices that do not change the model: threads, cache type, prompt chunk size.</summary>
public sealed record ModelOptions
{
    /// <summary>Threads for the matrix products (the caller included); 0 = every core.</summary>
    public int Threads { get; init; }

    /// <summary>Key/value cache element type.</summary>
    public KvCacheType KvCache { get; init; } = KvCacheType.F32;

    /// <summary>Longest run of prompt tokens evaluated in one pass; longer prompts go in chunks (bounds scratch memory).</summary>
    public int MaxBatch { get; init; } = 512;
}

/// <summary>
/// GPTBigCode (StarCoder, StarChat): GPT-2 with multi-query attention and learned positions. The forward pass below
/// follows Hugging Face <c>modeling_gpt_bigcode.py</c> step by step; see formats.md §2.3 for the maths.
/// Weights are read in place in their file type; a prompt is evaluated as one batch (one matrix product per weight
/// per layer for all its tokens), decoding appends one token at a time from the cache.
/// Calls on one model are serialized (they share the thread pool and scratch buffers); use one session per sequence.
/// </summary>
public sealed class GptBigCodeModel : ILanguageModel, IDisposable
{
    private readonly GptBigCodeWeights _w;
    private readonly WorkerPool _pool;
    private readonly Lock _gate = new();
    private Scratch _s = new(0, 0, 0, 0);

    /// <summary>Creates a model over loaded weights.</summary>
    public GptBigCodeModel(GptBigCodeWeights weights, ModelOptions? options = null)
    {
        _w = weights;
        Options = options ?? new ModelOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.MaxBatch, nameof(options));
        _pool = new WorkerPool(Options.Threads);
    }

    /// <summary>Loads the weights from <paramref name="source"/> and creates the model.</summary>
    /// <exception cref="MissingWeightException">A tensor is missing.</exception>
    /// <exception cref="WeightShapeException">A tensor's shape or type is wrong.</exception>
    public static GptBigCodeModel Load(IWeightSource source, GptBigCodeConfig config, ModelOptions? options = null)
        => new(GptBigCodeWeights.Load(source, config), options);

    /// <summary>Hyper-parameters.</summary>
    public GptBigCodeConfig Config => _w.Config;

    /// <summary>Run-time options.</summary>
    public ModelOptions Options { get; }

    /// <summary>The weights.</summary>
    public GptBigCodeWeights Weights => _w;

    /// <inheritdoc />
    public int VocabSize => _w.Config.VocabSize;

    /// <inheritdoc />
    public int ContextLength => _w.Config.ContextLength;

    /// <inheritdoc />
    public IInferenceSession CreateSession(int? capacity = null)
    {
        int cap = capacity ?? ContextLength;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cap, nameof(capacity));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cap, ContextLength, nameof(capacity));
        return new GptBigCodeSession(this, new KvCache(Config.LayerCount, cap, Config.HeadDim, Options.KvCache));
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose() => _pool.Dispose();

    /// <summary>
    /// Appends <paramref name="tokens"/> to <paramref name="cache"/> at positions <paramref name="past"/>… and writes
    /// logits for the last token (one row) or for every token (<c>tokens.Length</c> rows).
    /// </summary>
    internal void Forward(KvCache cache, int past, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        int v = VocabSize;
        bool allRows = logits.Length == (long)tokens.Length * v && tokens.Length > 1;
        if (logits.Length != v && !allRows)
            throw new ArgumentOutOfRangeException(nameof(logits), logits.Length, $"logits must hold {v} values (last token) or {tokens.Length} × {v} (every token)");
        if (past + tokens.Length > cache.Capacity)
            throw new ContextOverflowException(past + tokens.Length, cache.Capacity);
        foreach (int id in tokens)
        {
            if ((uint)id >= (uint)v)
                throw new ArgumentOutOfRangeException(nameof(tokens), id, $"token id {id} is outside the vocabulary (0..{v - 1})");
        }

        lock (_gate)
        {
            for (int start = 0; start < tokens.Length; start += Options.MaxBatch)
            {
                int count = Math.Min(Options.MaxBatch, tokens.Length - start);
                bool last = start + count == tokens.Length;
                var rows = allRows ? logits.Slice(start * v, count * v) : last ? logits : [];
                ForwardChunk(cache, past + start, tokens.Slice(start, count), rows, allRows);
            }
        }
    }

    private void ForwardChunk(KvCache cache, int past, ReadOnlySpan<int> tokens, Span<float> logits, bool allRows)
    {
        var c = Config;
        int t = tokens.Length, d = c.EmbeddingSize, hd = c.HeadDim, qkvSize = c.QkvSize, f = c.FeedForwardSize;
        if (_s.Tokens < t)
            _s = new Scratch(t, d, qkvSize, f);
        var x = _s.X.AsSpan(0, t * d);               // residual stream            [t, d]
        var normed = _s.Normed.AsSpan(0, t * d);     // LayerNorm output            [t, d]
        var qkv = _s.Qkv.AsSpan(0, t * qkvSize);     // fused q | k | v             [t, d + 2·hd]
        var attn = _s.Attention.AsSpan(0, t * d);    // heads concatenated          [t, d]
        var proj = _s.Projected.AsSpan(0, t * d);    // c_proj outputs              [t, d]
        var up = _s.Up.AsSpan(0, t * f);             // MLP hidden                  [t, f]

        // x = wte[token] + wpe[position]
        var position = _s.Row.AsSpan(0, d);
        for (int i = 0; i < t; i++)
        {
            var xi = x.Slice(i * d, d);
            Dequantize.Row(_w.TokenEmbedding.Type, _w.TokenEmbedding.Row(tokens[i]), xi);
            Dequantize.Row(_w.PositionEmbedding.Type, _w.PositionEmbedding.Row(past + i), position);
            VectorMath.AddInPlace(xi, position);
        }

        for (int l = 0; l < c.LayerCount; l++)
        {
            var layer = _w.Layers[l];

            // Attention: a = LN(x); qkv = a·W_attnᵀ + b; q has n_head heads, k and v one head each (MQA).
            LayerNormRows(x, layer.Norm1Weight, layer.Norm1Bias, normed, t);
            MatMul.Multiply(normed, t, layer.QkvWeight, layer.QkvBias, qkv, _pool);
            for (int i = 0; i < t; i++)
            {
                var row = qkv.Slice(i * qkvSize, qkvSize);
                cache.Store(l, past + i, row.Slice(d, hd), row.Slice(d + hd, hd));
            }
            var shape = new AttentionShape(t, c.HeadCount, hd, past)
            {
                QueryStride = qkvSize,
                Scale = c.ScaleAttentionWeights ? 1f / MathF.Sqrt(hd) : 1f,
            };
            if (cache.Type == KvCacheType.F32)
                MultiQueryAttention.Compute(qkv, cache.Keys32(l), cache.Values32(l), attn, shape, _pool);
            else
                MultiQueryAttention.Compute(qkv, cache.Keys16(l), cache.Values16(l), attn, shape, _pool);
            MatMul.Multiply(attn, t, layer.AttentionOutputWeight, layer.AttentionOutputBias, proj, _pool);
            VectorMath.AddInPlace(x, proj);

            // MLP: x += c_proj(gelu(c_fc(LN(x))))
            LayerNormRows(x, layer.Norm2Weight, layer.Norm2Bias, normed, t);
            MatMul.Multiply(normed, t, layer.UpWeight, layer.UpBias, up, _pool);
            Activate(up);
            MatMul.Multiply(up, t, layer.DownWeight, layer.DownBias, proj, _pool);
            VectorMath.AddInPlace(x, proj);
        }

        if (logits.IsEmpty)
            return;
        // Head: logits = LN_f(x)·W_headᵀ, for every row or just the last.
        int first = allRows ? 0 : t - 1, rows = t - first;
        var h = normed.Slice(0, rows * d);
        LayerNormRows(x.Slice(first * d, rows * d), _w.FinalNormWeight, _w.FinalNormBias, h, rows);
        MatMul.Multiply(h, rows, _w.OutputHead, [], logits, _pool);
    }

    private void LayerNormRows(ReadOnlySpan<float> x, float[] weight, float[] bias, Span<float> destination, int rows)
    {
        int d = weight.Length;
        for (int i = 0; i < rows; i++)
            VectorMath.LayerNorm(x.Slice(i * d, d), weight, bias, destination.Slice(i * d, d), Config.LayerNormEpsilon);
    }

    private void Activate(Span<float> values)
    {
        if (Config.Activation == "gelu")
        {
            // Exact erf GELU (activation_function "gelu"); StarCoder uses the tanh form below.
            foreach (ref float value in values)
                value = (float)(0.5 * value * (1 + Erf.Evaluate(value / Math.Sqrt(2))));
            return;
        }
        VectorMath.GeluTanh(values, values);
    }

    /// <summary>Activation buffers for up to <see cref="Tokens"/> tokens, reused across calls.</summary>
    private sealed class Scratch(int tokens, int d, int qkv, int f)
    {
        public int Tokens { get; } = tokens;
        public float[] X { get; } = new float[tokens * d];
        public float[] Normed { get; } = new float[tokens * d];
        public float[] Qkv { get; } = new float[tokens * qkv];
        public float[] Attention { get; } = new float[tokens * d];
        public float[] Projected { get; } = new float[tokens * d];
        public float[] Up { get; } = new float[tokens * f];
        public float[] Row { get; } = new float[Math.Max(1, d)];
    }
}
