using System.Numerics;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Training.Model;

/// <summary>
/// Every tensor of a GPTBigCode model as a <see cref="Parameter{T}"/>, widened to <typeparamref name="T"/> for
/// training (a quantized or half-precision checkpoint is dequantized once), plus any LoRA branches attached to its
/// linear layers. All parameters start frozen; <see cref="Lora.LoraAttachment"/> and <see cref="SetTrainable"/> choose
/// what trains.
/// </summary>
/// <typeparam name="T"><see cref="float"/> for training, <see cref="double"/> for reference checks.</typeparam>
public sealed class GptBigCodeParameters<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<string, Parameter<T>> _byName = new(StringComparer.Ordinal);

    internal GptBigCodeParameters(GptBigCodeConfig config, Parameter<T> tokenEmbedding, Parameter<T> positionEmbedding,
        TrainingLayer<T>[] layers, Parameter<T> finalNormWeight, Parameter<T> finalNormBias)
    {
        Config = config;
        TokenEmbedding = tokenEmbedding;
        PositionEmbedding = positionEmbedding;
        Layers = layers;
        FinalNormWeight = finalNormWeight;
        FinalNormBias = finalNormBias;
        foreach (var p in BaseParameters())
            _byName.Add(p.Name, p);
    }

    /// <summary>The hyper-parameters (vocabulary size taken from the embedding).</summary>
    public GptBigCodeConfig Config { get; }

    /// <summary><c>transformer.wte.weight</c> <c>[V, D]</c>; also the output head (tied).</summary>
    public Parameter<T> TokenEmbedding { get; }

    /// <summary><c>transformer.wpe.weight</c> <c>[P, D]</c>.</summary>
    public Parameter<T> PositionEmbedding { get; }

    /// <summary>The transformer blocks.</summary>
    public IReadOnlyList<TrainingLayer<T>> Layers { get; }

    /// <summary><c>transformer.ln_f.weight</c>.</summary>
    public Parameter<T> FinalNormWeight { get; }

    /// <summary><c>transformer.ln_f.bias</c>.</summary>
    public Parameter<T> FinalNormBias { get; }

    /// <summary>Every linear layer, in model order (per block: c_attn, attn.c_proj, c_fc, mlp.c_proj).</summary>
    public IEnumerable<LinearLayer<T>> LinearLayers
        => Layers.SelectMany(l => new[] { l.Qkv, l.AttentionOutput, l.Up, l.Down });

    /// <summary>Every parameter: the base model's in state-dict order, then the LoRA matrices.</summary>
    public IEnumerable<Parameter<T>> All => BaseParameters().Concat(LoraParameters);

    /// <summary>The LoRA matrices (A then B per adapted layer), in model order.</summary>
    public IEnumerable<Parameter<T>> LoraParameters
        => LinearLayers.Where(l => l.Lora is not null).SelectMany(l => new[] { l.Lora!.A, l.Lora.B });

    /// <summary>The parameters that currently receive gradients.</summary>
    public IEnumerable<Parameter<T>> Trainable => All.Where(p => p.IsTrainable);

    /// <summary>The base-model parameter of this Hugging Face name.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor; the message lists a few that exist.</exception>
    public Parameter<T> this[string name]
        => _byName.TryGetValue(name, out var p) ? p
            : throw new KeyNotFoundException($"the model has no tensor '{name}' (it has e.g. {string.Join(", ", _byName.Keys.Take(4))}, …, {_byName.Keys.Last()})");

    /// <summary>Makes the named base-model tensors trainable (full fine-tuning of chosen tensors).</summary>
    /// <exception cref="KeyNotFoundException">A name is not a tensor of the model.</exception>
    public void SetTrainable(IEnumerable<string> names)
    {
        foreach (var name in names)
            this[name].SetTrainable(true);
    }

    private IEnumerable<Parameter<T>> BaseParameters()
    {
        yield return TokenEmbedding;
        yield return PositionEmbedding;
        foreach (var l in Layers)
        {
            yield return l.Norm1Weight;
            yield return l.Norm1Bias;
            yield return l.Qkv.Weight;
            yield return l.Qkv.Bias;
            yield return l.AttentionOutput.Weight;
            yield return l.AttentionOutput.Bias;
            yield return l.Norm2Weight;
            yield return l.Norm2Bias;
            yield return l.Up.Weight;
            yield return l.Up.Bias;
            yield return l.Down.Weight;
            yield return l.Down.Bias;
        }
        yield return FinalNormWeight;
        yield return FinalNormBias;
    }
}

/// <summary>Creates <see cref="GptBigCodeParameters{T}"/> from a checkpoint.</summary>
public static class GptBigCodeParameters
{
    /// <summary>Widens the tensors of a checkpoint into trainable form, after checking them against the config.</summary>
    /// <exception cref="MissingWeightException">A tensor is missing.</exception>
    /// <exception cref="WeightShapeException">A tensor has the wrong shape or an unsupported type.</exception>
    /// <exception cref="NotSupportedException">The model is not multi-query.</exception>
    public static GptBigCodeParameters<T> Load<T>(IWeightSource source, GptBigCodeConfig config)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The engine's loader checks every name, shape and type; we only widen what it hands back.
        var w = GptBigCodeWeights.Load(source, config);
        config = w.Config;
        var layers = new TrainingLayer<T>[config.LayerCount];
        for (int i = 0; i < layers.Length; i++)
        {
            var l = w.Layers[i];
            string p = $"transformer.h.{i}.";
            layers[i] = new TrainingLayer<T>(
                Vector<T>(p + "ln_1.weight", l.Norm1Weight), Vector<T>(p + "ln_1.bias", l.Norm1Bias),
                Linear<T>(p + "attn.c_attn", l.QkvWeight, l.QkvBias),
                Linear<T>(p + "attn.c_proj", l.AttentionOutputWeight, l.AttentionOutputBias),
                Vector<T>(p + "ln_2.weight", l.Norm2Weight), Vector<T>(p + "ln_2.bias", l.Norm2Bias),
                Linear<T>(p + "mlp.c_fc", l.UpWeight, l.UpBias),
                Linear<T>(p + "mlp.c_proj", l.DownWeight, l.DownBias));
        }
        return new GptBigCodeParameters<T>(config, Matrix<T>("transformer.wte.weight", w.TokenEmbedding),
            Matrix<T>("transformer.wpe.weight", w.PositionEmbedding), layers,
            Vector<T>("transformer.ln_f.weight", w.FinalNormWeight), Vector<T>("transformer.ln_f.bias", w.FinalNormBias));
    }

    private static LinearLayer<T> Linear<T>(string module, TensorView weight, float[] bias)
        where T : unmanaged, IFloatingPointIeee754<T>
        => new(module, Matrix<T>(module + ".weight", weight), Vector<T>(module + ".bias", bias));

    private static Parameter<T> Vector<T>(string name, float[] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var widened = new T[values.Length];
        for (int i = 0; i < values.Length; i++)
            widened[i] = T.CreateChecked(values[i]);
        return new Parameter<T>(name, [values.Length], widened);
    }

    private static Parameter<T> Matrix<T>(string name, TensorView view) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = checked((int)view.Shape[0]), columns = checked((int)view.Shape[1]);
        var values = new T[checked(rows * columns)];
        var row = new float[columns];
        for (int r = 0; r < rows; r++)
        {
            Dequantize.Row(view.Type, view.Row(r), row);
            var target = values.AsSpan(r * columns, columns);
            for (int c = 0; c < columns; c++)
                target[c] = T.CreateChecked(row[c]);
        }
        return new Parameter<T>(name, [rows, columns], values);
    }
}

/// <summary>One transformer block's parameters.</summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <param name="Norm1Weight"><c>ln_1.weight</c>.</param>
/// <param name="Norm1Bias"><c>ln_1.bias</c>.</param>
/// <param name="Qkv"><c>attn.c_attn</c> <c>[D + 2·head_dim, D]</c>: Q for all heads, then the K head, then the V head.</param>
/// <param name="AttentionOutput"><c>attn.c_proj</c> <c>[D, D]</c>.</param>
/// <param name="Norm2Weight"><c>ln_2.weight</c>.</param>
/// <param name="Norm2Bias"><c>ln_2.bias</c>.</param>
/// <param name="Up"><c>mlp.c_fc</c> <c>[F, D]</c>.</param>
/// <param name="Down"><c>mlp.c_proj</c> <c>[D, F]</c>.</param>
public sealed record TrainingLayer<T>(
    Parameter<T> Norm1Weight, Parameter<T> Norm1Bias, LinearLayer<T> Qkv, LinearLayer<T> AttentionOutput,
    Parameter<T> Norm2Weight, Parameter<T> Norm2Bias, LinearLayer<T> Up, LinearLayer<T> Down)
    where T : unmanaged, IFloatingPointIeee754<T>;
