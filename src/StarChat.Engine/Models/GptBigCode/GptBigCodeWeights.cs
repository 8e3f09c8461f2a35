using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Models.GptBigCode;

/// <summary>
/// The tensors of a GPTBigCode model, looked up by their Hugging Face names and checked against the config's shapes
/// at load. Matrices stay where the file put them (memory-mapped, in their stored type); the small 1-D parameters
/// (LayerNorm gains and biases, linear biases) are widened to f32 once.
/// </summary>
public sealed class GptBigCodeWeights
{
    private GptBigCodeWeights(GptBigCodeConfig config, TensorView tokenEmbedding, TensorView positionEmbedding,
        GptBigCodeLayer[] layers, float[] finalNormWeight, float[] finalNormBias, TensorView outputHead, int selectableAdapterCount = 0)
    {
        SelectableAdapterCount = selectableAdapterCount;
        Config = config;
        TokenEmbedding = tokenEmbedding;
        PositionEmbedding = positionEmbedding;
        Layers = layers;
        FinalNormWeight = finalNormWeight;
        FinalNormBias = finalNormBias;
        OutputHead = outputHead;
    }

    /// <summary>The hyper-parameters the shapes were checked against (vocabulary size taken from the embedding).</summary>
    public GptBigCodeConfig Config { get; }

    /// <summary><c>transformer.wte.weight</c> [V, D].</summary>
    public TensorView TokenEmbedding { get; }

    /// <summary><c>transformer.wpe.weight</c> [P, D].</summary>
    public TensorView PositionEmbedding { get; }

    /// <summary>The transformer blocks.</summary>
    public IReadOnlyList<GptBigCodeLayer> Layers { get; }

    /// <summary><c>transformer.ln_f.weight</c>.</summary>
    public float[] FinalNormWeight { get; }

    /// <summary><c>transformer.ln_f.bias</c>.</summary>
    public float[] FinalNormBias { get; }

    /// <summary>The output projection [V, D]: <c>lm_head.weight</c>, or the token embedding when tied.</summary>
    public TensorView OutputHead { get; }

    /// <summary>
    /// The tensors every forward pass reads whole, in the order it reads them: each layer's four matrices, then the
    /// output head. What is worth bringing into memory before the first pass; the embeddings are read a row per token.
    /// </summary>
    public IEnumerable<TensorView> StreamedTensors
    {
        get
        {
            foreach (var layer in Layers)
            {
                yield return layer.QkvWeight;
                yield return layer.AttentionOutputWeight;
                yield return layer.UpWeight;
                yield return layer.DownWeight;
            }
            yield return OutputHead;
        }
    }

    /// <summary>
    /// How many LoRA adapters a sequence may choose from (<see cref="WithSelectableAdapter"/>); adapter ids are
    /// 1 .. this count, 0 means none.
    /// </summary>
    public int SelectableAdapterCount { get; }

    /// <summary>Looks up and checks every tensor.</summary>
    /// <exception cref="MissingWeightException">A tensor is missing.</exception>
    /// <exception cref="WeightShapeException">A tensor has the wrong shape or a type no kernel reads.</exception>
    /// <exception cref="NotSupportedException">The config describes multi-head (non multi-query) attention.</exception>
    public static GptBigCodeWeights Load(IWeightSource source, GptBigCodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(source);
        config.Validate(source.Origin);
        if (!config.IsMultiQuery)
            throw new NotSupportedException($"{source.Origin}: multi_query=false (one K/V head per query head) is not supported; StarCoder-family models use multi-query attention");

        var wte = source.Get("transformer.wte.weight");
        if (wte.Shape.Rank != 2 || wte.Shape[1] != config.EmbeddingSize)
            throw new WeightShapeException(source.Origin, wte.Name, $"expected [vocab, {config.EmbeddingSize}], got {wte.Shape}");
        // The embedding, not config.json, decides the vocabulary (StarChat grew it to 49156 for its chat tokens).
        config = config with { VocabSize = checked((int)wte.Shape[0]) };
        int d = config.EmbeddingSize, f = config.FeedForwardSize, qkv = config.QkvSize;

        var wpe = Matrix(source, "transformer.wpe.weight", config.ContextLength, d);
        var layers = new GptBigCodeLayer[config.LayerCount];
        for (int i = 0; i < layers.Length; i++)
        {
            string p = $"transformer.h.{i}.";
            layers[i] = new GptBigCodeLayer(
                Norm1Weight: Vector(source, p + "ln_1.weight", d),
                Norm1Bias: Vector(source, p + "ln_1.bias", d),
                QkvWeight: Matrix(source, p + "attn.c_attn.weight", qkv, d),
                QkvBias: Vector(source, p + "attn.c_attn.bias", qkv),
                AttentionOutputWeight: Matrix(source, p + "attn.c_proj.weight", d, d),
                AttentionOutputBias: Vector(source, p + "attn.c_proj.bias", d),
                Norm2Weight: Vector(source, p + "ln_2.weight", d),
                Norm2Bias: Vector(source, p + "ln_2.bias", d),
                UpWeight: Matrix(source, p + "mlp.c_fc.weight", f, d),
                UpBias: Vector(source, p + "mlp.c_fc.bias", f),
                DownWeight: Matrix(source, p + "mlp.c_proj.weight", d, f),
                DownBias: Vector(source, p + "mlp.c_proj.bias", d));
        }
        var head = !config.TieWordEmbeddings && source.Contains("lm_head.weight")
            ? Matrix(source, "lm_head.weight", config.VocabSize, d)
            : wte;
        if (!config.TieWordEmbeddings && !source.Contains("lm_head.weight"))
            throw new MissingWeightException(source.Origin, "lm_head.weight");
        return new GptBigCodeWeights(config, wte, wpe, layers,
            Vector(source, "transformer.ln_f.weight", d), Vector(source, "transformer.ln_f.bias", d), head);
    }

    /// <summary>
    /// These weights with low-rank updates attached to linear layers (unmerged LoRA) for every sequence.
    /// <paramref name="updates"/> name their module canonically (<c>transformer.h.3.mlp.c_fc</c>); several on one
    /// module add up.
    /// </summary>
    /// <exception cref="ArgumentException">A module is not one of a block's four linear layers, or names a layer the model lacks.</exception>
    /// <exception cref="WeightShapeException">An update's A or B does not fit the layer (an adapter for another model size); the message names it.</exception>
    public GptBigCodeWeights WithAdapters(IEnumerable<(string Module, LowRankAdapter Update)> updates)
    {
        var layers = Layers.ToArray();
        var attached = Attach(updates);
        for (int l = 0; l < layers.Length; l++)
        {
            if (attached[l] is { } a)
                layers[l] = layers[l] with { Adapters = Stack(layers[l].Adapters ?? LayerAdapters.None, a) };
        }
        return new GptBigCodeWeights(Config, TokenEmbedding, PositionEmbedding, layers, FinalNormWeight, FinalNormBias, OutputHead, SelectableAdapterCount);
    }

    /// <summary>
    /// These weights with one more LoRA adapter that each sequence may choose (per-request adapters in a server):
    /// its id is the new <see cref="SelectableAdapterCount"/>. Modules are named as for <see cref="WithAdapters"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A module is not one of a block's four linear layers, or names a layer the model lacks.</exception>
    /// <exception cref="WeightShapeException">An update's A or B does not fit the layer; the message names it.</exception>
    public GptBigCodeWeights WithSelectableAdapter(IEnumerable<(string Module, LowRankAdapter Update)> updates)
    {
        var layers = Layers.ToArray();
        var attached = Attach(updates);
        for (int l = 0; l < layers.Length; l++)
            layers[l] = layers[l] with { Selectable = [.. layers[l].Selectable ?? Enumerable.Repeat(LayerAdapters.None, SelectableAdapterCount), attached[l] ?? LayerAdapters.None] };
        return new GptBigCodeWeights(Config, TokenEmbedding, PositionEmbedding, layers, FinalNormWeight, FinalNormBias, OutputHead, SelectableAdapterCount + 1);
    }

    private static LayerAdapters Stack(LayerAdapters a, LayerAdapters b) => new()
    {
        Qkv = [.. a.Qkv, .. b.Qkv],
        AttentionOutput = [.. a.AttentionOutput, .. b.AttentionOutput],
        Up = [.. a.Up, .. b.Up],
        Down = [.. a.Down, .. b.Down],
    };

    /// <summary>Checks every update against its layer and groups them by layer (null where a layer gets none).</summary>
    private LayerAdapters?[] Attach(IEnumerable<(string Module, LowRankAdapter Update)> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var layers = new LayerAdapters?[Layers.Count];
        int d = Config.EmbeddingSize, f = Config.FeedForwardSize, qkv = Config.QkvSize;
        foreach (var (module, update) in updates)
        {
            var parts = module.Split('.', 4);
            if (parts.Length != 4 || parts[0] != "transformer" || parts[1] != "h" || !int.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int l))
                throw new ArgumentException($"{update.Name}: '{module}' is not a block's linear layer (transformer.h.N.attn.c_attn, …)", nameof(updates));
            if (l >= layers.Length)
                throw new ArgumentException($"{update.Name}: '{module}' names layer {l}; the model has {layers.Length}", nameof(updates));
            var (inFeatures, outFeatures) = parts[3] switch
            {
                "attn.c_attn" => (d, qkv),
                "attn.c_proj" => (d, d),
                "mlp.c_fc" => (d, f),
                "mlp.c_proj" => (f, d),
                _ => throw new ArgumentException($"{update.Name}: '{module}' is not one of attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj", nameof(updates)),
            };
            int r = update.Rank;
            if (!update.A.Shape.Is(r, inFeatures) || !update.B.Shape.Is(outFeatures, r))
                throw new WeightShapeException(update.Name, module, $"LoRA A {update.A.Shape} and B {update.B.Shape} do not fit [{outFeatures}, {inFeatures}] of this model (expected A [r, {inFeatures}], B [{outFeatures}, r]); is the adapter for another base model?");
            foreach (var t in new[] { update.A, update.B })
            {
                if (!Kernels.MatMulKernels.TryGet(t.Type, out _))
                    throw new WeightShapeException(update.Name, t.Name, $"type {TensorTypeInfo.Name(t.Type)} is not supported for LoRA weights");
            }
            var a = layers[l] ?? LayerAdapters.None;
            layers[l] = parts[3] switch
            {
                "attn.c_attn" => a with { Qkv = [.. a.Qkv, update] },
                "attn.c_proj" => a with { AttentionOutput = [.. a.AttentionOutput, update] },
                "mlp.c_fc" => a with { Up = [.. a.Up, update] },
                _ => a with { Down = [.. a.Down, update] },
            };
        }
        return layers;
    }

    private static TensorView Matrix(IWeightSource source, string name, long rows, long columns)
    {
        var t = source.Get(name);
        if (!t.Shape.Is(rows, columns))
            throw new WeightShapeException(source.Origin, name, $"expected [{rows}, {columns}], got {t.Shape}");
        if (!Kernels.MatMulKernels.TryGet(t.Type, out _) || !Dequantize.IsSupported(t.Type))
            throw new WeightShapeException(source.Origin, name, $"type {TensorTypeInfo.Name(t.Type)} is not supported for weights");
        return t;
    }

    private static float[] Vector(IWeightSource source, string name, long length)
    {
        var t = source.Get(name);
        if (t.Shape.ElementCount != length || t.Shape.Rank > 2)
            throw new WeightShapeException(source.Origin, name, $"expected [{length}], got {t.Shape}");
        if (TensorTypeInfo.IsQuantized(t.Type) || !Dequantize.IsSupported(t.Type))
            throw new WeightShapeException(source.Origin, name, $"type {TensorTypeInfo.Name(t.Type)} is not supported for a 1-D parameter");
        var values = new float[length];
        Dequantize.Row(t.Type, t.Bytes, values);
        return values;
    }
}

/// <summary>One transformer block's weights: pre-LayerNorm attention with fused QKV, pre-LayerNorm MLP.</summary>
/// <param name="Norm1Weight"><c>ln_1.weight</c>.</param>
/// <param name="Norm1Bias"><c>ln_1.bias</c>.</param>
/// <param name="QkvWeight"><c>attn.c_attn.weight</c> [D + 2·head_dim, D]: Q for all heads, then the K head, then the V head.</param>
/// <param name="QkvBias"><c>attn.c_attn.bias</c>.</param>
/// <param name="AttentionOutputWeight"><c>attn.c_proj.weight</c> [D, D].</param>
/// <param name="AttentionOutputBias"><c>attn.c_proj.bias</c>.</param>
/// <param name="Norm2Weight"><c>ln_2.weight</c>.</param>
/// <param name="Norm2Bias"><c>ln_2.bias</c>.</param>
/// <param name="UpWeight"><c>mlp.c_fc.weight</c> [F, D].</param>
/// <param name="UpBias"><c>mlp.c_fc.bias</c>.</param>
/// <param name="DownWeight"><c>mlp.c_proj.weight</c> [D, F].</param>
/// <param name="DownBias"><c>mlp.c_proj.bias</c>.</param>
/// <param name="Adapters">Low-rank updates (unmerged LoRA) of the four linear layers applied to every sequence; null when none.</param>
/// <param name="Selectable">
/// Updates a sequence may choose: entry k − 1 belongs to adapter id k (<see cref="GptBigCodeWeights.SelectableAdapterCount"/>
/// entries, <see cref="LayerAdapters.None"/> where that adapter leaves this block alone); null when there are none.
/// </param>
public sealed record GptBigCodeLayer(
    float[] Norm1Weight, float[] Norm1Bias,
    TensorView QkvWeight, float[] QkvBias,
    TensorView AttentionOutputWeight, float[] AttentionOutputBias,
    float[] Norm2Weight, float[] Norm2Bias,
    TensorView UpWeight, float[] UpBias,
    TensorView DownWeight, float[] DownBias,
    LayerAdapters? Adapters = null,
    IReadOnlyList<LayerAdapters>? Selectable = null);
