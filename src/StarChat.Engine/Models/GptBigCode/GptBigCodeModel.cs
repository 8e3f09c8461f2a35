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

    /// <summary>
    /// LoRA adapters to apply unmerged, in order: unnamed ones to every sequence, named ones only to sequences that
    /// choose them (<see cref="Inference.IAdapterSession"/>). The engine itself ignores this list (it takes adapters
    /// through <see cref="GptBigCodeWeights.WithAdapters"/> and <see cref="GptBigCodeWeights.WithSelectableAdapter"/>);
    /// loaders that open files (StarChat.Generation's LocalModel) read it.
    /// </summary>
    public IReadOnlyList<LoraAdapterOption> Adapters { get; init; } = [];

    /// <summary>
    /// How block-quantized weights are multiplied: <see cref="QuantizedMatMul.Fast"/> (8-bit activations and integer
    /// dot products, as llama.cpp does) or <see cref="QuantizedMatMul.Exact"/> (dequantized f32, the reference).
    /// </summary>
    public QuantizedMatMul QuantizedMatMul { get; init; } = QuantizedMatMul.Fast;

    /// <summary>
    /// Whether loaders that map files (StarChat.Generation's LocalModel) start reading the weights every forward pass
    /// reads whole (<see cref="GptBigCodeWeights.StreamedTensors"/>) into memory on a background thread while they
    /// build the tokenizer and the engine, so the first pass does not fault them in (llama.cpp maps the whole file
    /// with <c>MAP_POPULATE</c>). The engine itself ignores it.
    /// </summary>
    public bool PrefetchWeights { get; init; } = true;
}

/// <summary>A PEFT LoRA adapter folder to apply, and a factor on its update (on top of lora_alpha/r).</summary>
/// <param name="Path">Folder with adapter_config.json and adapter_model.safetensors (or .bin).</param>
/// <param name="Scale">Multiplies the adapter's own scaling; 1 applies it as trained, 0 turns it off.</param>
/// <param name="Name">
/// Null: applied to every sequence. Otherwise the adapter is loaded beside the others and only sequences that choose
/// it by this name get it (a server's per-request adapters).
/// </param>
public sealed record LoraAdapterOption(string Path, float Scale = 1f, string? Name = null);

/// <summary>
/// GPTBigCode (StarCoder, StarChat): GPT-2 with multi-query attention and learned positions. The forward pass below
/// follows Hugging Face <c>modeling_gpt_bigcode.py</c> step by step; see formats.md §2.3 for the maths.
/// Weights are read in place in their file type; a prompt is evaluated as one batch (one matrix product per weight
/// per layer for all its tokens), decoding appends one token at a time from the cache.
/// Calls on one model are serialized (they share the thread pool and scratch buffers); use one session per sequence.
/// </summary>
public sealed class GptBigCodeModel : IBatchedLanguageModel, IDisposable
{
    private readonly GptBigCodeWeights _w;
    private readonly WorkerPool _pool;
    private readonly MatMulKernelSet _kernels;
    private readonly Lock _gate = new();
    private Scratch _s = new(0, 0, 0, 0);
    private float[] _lowRank = [];   // LoRA scratch, grown on first use
    private float[] _delta = [];
    private readonly List<RowGroup> _adapterRows = [];   // this pass's rows that chose an adapter, by adapter

    /// <summary>Creates a model over loaded weights.</summary>
    public GptBigCodeModel(GptBigCodeWeights weights, ModelOptions? options = null)
    {
        _w = weights;
        Options = options ?? new ModelOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.MaxBatch, nameof(options));
        _kernels = MatMulKernelSet.For(Options.QuantizedMatMul);
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
    internal void Forward(KvCache cache, int past, int adapter, ReadOnlySpan<int> tokens, Span<float> logits)
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
                ReadOnlySpan<Segment> one = [new Segment(cache, past + start, 0, count, adapter)];
                ForwardRows(tokens.Slice(start, count), one, rows, firstLogitRow: allRows ? 0 : count - 1);
            }
        }
    }

    /// <summary>
    /// One decoding step for several sequences at once: <c>tokens[i]</c> is appended to <c>sessions[i]</c> and its
    /// next-token logits are written to row i of <paramref name="logits"/> (<c>[n, vocab]</c>). The weights are read
    /// once for all of them; only attention runs per sequence, each over its own cache. Sessions may use different
    /// LoRA adapters (<see cref="IAdapterSession.Adapter"/>): each adapter's update is applied to its rows only, one
    /// product per run of neighbouring rows with the same adapter (so callers that order the batch by adapter get one
    /// per adapter).
    /// </summary>
    /// <exception cref="ArgumentException">A session is not from this model, appears twice, or the buffers have wrong sizes.</exception>
    /// <exception cref="ContextOverflowException">A session is full.</exception>
    public void DecodeBatch(IReadOnlyList<IInferenceSession> sessions, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        int n = sessions.Count, v = VocabSize;
        if (tokens.Length != n)
            throw new ArgumentException($"{tokens.Length} tokens for {n} sessions", nameof(tokens));
        if (logits.Length != (long)n * v)
            throw new ArgumentException($"logits must hold {n} × {v} values", nameof(logits));
        if (n == 0)
            return;
        var segments = new Segment[n];
        var seen = new HashSet<KvCache>();
        for (int i = 0; i < n; i++)
        {
            if (sessions[i] is not GptBigCodeSession session || session.Model != this)
                throw new ArgumentException($"session {i} does not belong to this model", nameof(sessions));
            if (!seen.Add(session.Cache))
                throw new ArgumentException($"session {i} appears twice in one batch", nameof(sessions));
            if (session.Length + 1 > session.Capacity)
                throw new ContextOverflowException(session.Length + 1, session.Capacity);
            if ((uint)tokens[i] >= (uint)v)
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], $"token id {tokens[i]} is outside the vocabulary (0..{v - 1})");
            segments[i] = new Segment(session.Cache, session.Length, i, 1, session.Adapter);
        }
        lock (_gate)
        {
            for (int start = 0; start < n; start += Options.MaxBatch)
            {
                int count = Math.Min(Options.MaxBatch, n - start);
                var chunk = segments.AsSpan(start, count).ToArray();
                for (int i = 0; i < count; i++)
                    chunk[i] = chunk[i] with { Start = i };
                ForwardRows(tokens.Slice(start, count), chunk, logits.Slice(start * v, count * v), firstLogitRow: 0);
            }
        }
        foreach (var session in sessions)
            ((GptBigCodeSession)session).Advance(1);
    }

    /// <summary>
    /// Rows <c>Start .. Start + Count</c> of a forward pass continue one cache at position <c>Past</c>, with selectable
    /// adapter <c>Adapter</c> (0: none).
    /// </summary>
    private readonly record struct Segment(KvCache Cache, int Past, int Start, int Count, int Adapter);

    /// <summary>Rows <c>Start .. Start + Count</c> take the update of selectable adapter <c>Adapter</c> (≥ 1).</summary>
    private readonly record struct RowGroup(int Adapter, int Start, int Count);

    /// <summary>
    /// The forward pass for a batch of rows: every matrix product runs once over all rows; embeddings, cache writes
    /// and attention follow each row's segment (its sequence and position). Logits are written for rows
    /// <paramref name="firstLogitRow"/> .. end, or not at all when <paramref name="logits"/> is empty.
    /// </summary>
    private void ForwardRows(ReadOnlySpan<int> tokens, ReadOnlySpan<Segment> segments, Span<float> logits, int firstLogitRow)
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

        GroupAdapterRows(segments);

        // x = wte[token] + wpe[position]
        var position = _s.Row.AsSpan(0, d);
        foreach (var seg in segments)
        {
            for (int i = seg.Start; i < seg.Start + seg.Count; i++)
            {
                var xi = x.Slice(i * d, d);
                Dequantize.Row(_w.TokenEmbedding.Type, _w.TokenEmbedding.Row(tokens[i]), xi);
                Dequantize.Row(_w.PositionEmbedding.Type, _w.PositionEmbedding.Row(seg.Past + i - seg.Start), position);
                VectorMath.AddInPlace(xi, position);
            }
        }

        for (int l = 0; l < c.LayerCount; l++)
        {
            var layer = _w.Layers[l];

            // Attention: a = LN(x); qkv = a·W_attnᵀ + b; q has n_head heads, k and v one head each (MQA).
            // Each Linear is x·Wᵀ + b, plus Σ scale·(x·Aᵀ)·Bᵀ for the LoRA adapters on it: those of every row
            // (layer.Adapters), then each row's chosen one (layer.Selectable).
            LayerNormRows(x, layer.Norm1Weight, layer.Norm1Bias, normed, t);
            Linear(normed, t, layer.QkvWeight, layer.QkvBias, layer, static a => a.Qkv, qkv);
            foreach (var seg in segments)
                Attend(seg, l, qkv, attn);
            Linear(attn, t, layer.AttentionOutputWeight, layer.AttentionOutputBias, layer, static a => a.AttentionOutput, proj);
            VectorMath.AddInPlace(x, proj);

            // MLP: x += c_proj(gelu(c_fc(LN(x))))
            LayerNormRows(x, layer.Norm2Weight, layer.Norm2Bias, normed, t);
            Linear(normed, t, layer.UpWeight, layer.UpBias, layer, static a => a.Up, up);
            Activate(up);
            Linear(up, t, layer.DownWeight, layer.DownBias, layer, static a => a.Down, proj);
            VectorMath.AddInPlace(x, proj);
        }

        if (logits.IsEmpty)
            return;
        // Head: logits = LN_f(x)·W_headᵀ for the rows asked for.
        int rows = t - firstLogitRow;
        var h = normed.Slice(0, rows * d);
        LayerNormRows(x.Slice(firstLogitRow * d, rows * d), _w.FinalNormWeight, _w.FinalNormBias, h, rows);
        MatMul.Multiply(_kernels, h, rows, _w.OutputHead, [], logits, _pool);
    }

    /// <summary>Fills <see cref="_adapterRows"/>: neighbouring segments with the same adapter share one group.</summary>
    private void GroupAdapterRows(ReadOnlySpan<Segment> segments)
    {
        _adapterRows.Clear();
        foreach (var seg in segments)
        {
            if (seg.Adapter == 0) continue;
            if (_adapterRows.Count > 0 && _adapterRows[^1] is var last && last.Adapter == seg.Adapter && last.Start + last.Count == seg.Start)
                _adapterRows[^1] = last with { Count = last.Count + seg.Count };
            else
                _adapterRows.Add(new RowGroup(seg.Adapter, seg.Start, seg.Count));
        }
    }

    /// <summary>
    /// y = x·Wᵀ + b for the <paramref name="t"/> rows, then the low-rank updates that <paramref name="pick"/> selects
    /// from the layer's adapters: every row's, then each group's chosen adapter on that group's rows only.
    /// </summary>
    private void Linear(ReadOnlySpan<float> x, int t, TensorView weight, float[] bias, GptBigCodeLayer layer,
        Func<LayerAdapters, IReadOnlyList<LowRankAdapter>> pick, Span<float> y)
    {
        MatMul.Multiply(_kernels, x, t, weight, bias, y, _pool);
        int inFeatures = x.Length / t, outFeatures = y.Length / t;
        if (layer.Adapters is { } all)
            LowRank(x, t, pick(all), y);
        if (layer.Selectable is not { } selectable)
            return;
        foreach (var g in _adapterRows)
        {
            LowRank(x.Slice(g.Start * inFeatures, g.Count * inFeatures), g.Count, pick(selectable[g.Adapter - 1]),
                y.Slice(g.Start * outFeatures, g.Count * outFeatures));
        }
    }

    /// <summary>y += scale·(x·Aᵀ)·Bᵀ over <paramref name="t"/> rows for each update (LoRA applied without merging).</summary>
    private void LowRank(ReadOnlySpan<float> x, int t, IReadOnlyList<LowRankAdapter> updates, Span<float> y)
    {
        for (int i = 0; i < updates.Count; i++)
        {
            var u = updates[i];
            int r = u.Rank, outFeatures = (int)u.B.Shape[0];
            if (_lowRank.Length < t * r) _lowRank = new float[t * r];
            if (_delta.Length < t * outFeatures) _delta = new float[t * outFeatures];
            var low = _lowRank.AsSpan(0, t * r);                     // x·Aᵀ                [t, r]
            var delta = _delta.AsSpan(0, t * outFeatures);           // (x·Aᵀ)·Bᵀ           [t, out]
            MatMul.Multiply(_kernels, x, t, u.A, [], low, _pool);
            MatMul.Multiply(_kernels, low, t, u.B, [], delta, _pool);
            VectorMath.AddScaled(y, delta, u.Scale);
        }
    }

    /// <summary>Stores one segment's keys and values in its cache and attends its queries over that cache.</summary>
    private void Attend(Segment seg, int layer, ReadOnlySpan<float> qkv, Span<float> attn)
    {
        var c = Config;
        int d = c.EmbeddingSize, hd = c.HeadDim, qkvSize = c.QkvSize;
        var rows = qkv.Slice(seg.Start * qkvSize, seg.Count * qkvSize);
        for (int i = 0; i < seg.Count; i++)
        {
            var row = rows.Slice(i * qkvSize, qkvSize);
            seg.Cache.Store(layer, seg.Past + i, row.Slice(d, hd), row.Slice(d + hd, hd));
        }
        var shape = new AttentionShape(seg.Count, c.HeadCount, hd, seg.Past)
        {
            QueryStride = qkvSize,
            Scale = c.ScaleAttentionWeights ? 1f / MathF.Sqrt(hd) : 1f,
        };
        var output = attn.Slice(seg.Start * d, seg.Count * d);
        if (seg.Cache.Type == KvCacheType.F32)
            MultiQueryAttention.Compute(rows, seg.Cache.Keys32(layer), seg.Cache.Values32(layer), output, shape, _pool);
        else
            MultiQueryAttention.Compute(rows, seg.Cache.Keys16(layer), seg.Cache.Values16(layer), output, shape, _pool);
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
        public AlignedArray<float> X { get; } = new(tokens * d);
        public AlignedArray<float> Normed { get; } = new(tokens * d);
        public AlignedArray<float> Qkv { get; } = new(tokens * qkv);
        public AlignedArray<float> Attention { get; } = new(tokens * d);
        public AlignedArray<float> Projected { get; } = new(tokens * d);
        public AlignedArray<float> Up { get; } = new(tokens * f);
        public AlignedArray<float> Row { get; } = new(Math.Max(1, d));
    }
}
