using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;

namespace StarChat.Formats.GptBigCode;

/// <summary>
/// The tensors a GPTBigCode model needs, with their shapes derived from the hyper-parameters (formats.md §2.2), and
/// checks of a file's tensors against them. Readers call this so a wrong file fails at load, naming the tensor.
/// </summary>
internal static class GptBigCodeLayout
{
    /// <summary>Every canonical tensor the model needs and its shape (<c>lm_head.weight</c> only when untied).</summary>
    public static IEnumerable<(string Name, TensorShape Shape)> Expected(GptBigCodeConfig c)
    {
        long d = c.EmbeddingSize, f = c.FeedForwardSize, qkv = c.QkvSize;
        yield return (GptBigCodeNames.TokenEmbedding, new TensorShape(c.VocabSize, d));
        yield return (GptBigCodeNames.PositionEmbedding, new TensorShape(c.ContextLength, d));
        for (int i = 0; i < c.LayerCount; i++)
        {
            yield return (GptBigCodeNames.Layer(i, "ln_1", "weight"), new TensorShape(d));
            yield return (GptBigCodeNames.Layer(i, "ln_1", "bias"), new TensorShape(d));
            yield return (GptBigCodeNames.Layer(i, "attn.c_attn", "weight"), new TensorShape(qkv, d));
            yield return (GptBigCodeNames.Layer(i, "attn.c_attn", "bias"), new TensorShape(qkv));
            yield return (GptBigCodeNames.Layer(i, "attn.c_proj", "weight"), new TensorShape(d, d));
            yield return (GptBigCodeNames.Layer(i, "attn.c_proj", "bias"), new TensorShape(d));
            yield return (GptBigCodeNames.Layer(i, "ln_2", "weight"), new TensorShape(d));
            yield return (GptBigCodeNames.Layer(i, "ln_2", "bias"), new TensorShape(d));
            yield return (GptBigCodeNames.Layer(i, "mlp.c_fc", "weight"), new TensorShape(f, d));
            yield return (GptBigCodeNames.Layer(i, "mlp.c_fc", "bias"), new TensorShape(f));
            yield return (GptBigCodeNames.Layer(i, "mlp.c_proj", "weight"), new TensorShape(d, f));
            yield return (GptBigCodeNames.Layer(i, "mlp.c_proj", "bias"), new TensorShape(d));
        }
        yield return (GptBigCodeNames.FinalNormWeight, new TensorShape(d));
        yield return (GptBigCodeNames.FinalNormBias, new TensorShape(d));
        if (!c.TieWordEmbeddings)
            yield return (GptBigCodeNames.OutputHead, new TensorShape(c.VocabSize, d));
    }

    /// <summary>
    /// Checks the shape of every expected tensor that is present and returns the names of those that are missing.
    /// A linear weight replaced by GPTQ's packed <c>qweight</c> counts as present (its dequantization is elsewhere);
    /// a present <c>lm_head.weight</c> is checked even when tied.
    /// </summary>
    /// <exception cref="ModelFormatException">A tensor has the wrong shape; the message names it.</exception>
    public static List<string> Check(string origin, GptBigCodeConfig c, IReadOnlyDictionary<string, TensorShape> shapes)
    {
        var missing = new List<string>();
        var expected = Expected(c).ToList();
        if (c.TieWordEmbeddings)
            expected.Add((GptBigCodeNames.OutputHead, new TensorShape(c.VocabSize, c.EmbeddingSize)));
        foreach (var (name, shape) in expected)
        {
            if (shapes.TryGetValue(name, out var actual))
            {
                if (!actual.Equals(shape))
                    throw new ModelFormatException(origin, $"tensor '{name}'", $"shape {actual} does not match {shape} expected from the hyper-parameters");
            }
            else if (!(name == GptBigCodeNames.OutputHead && c.TieWordEmbeddings)
                     && !(name.EndsWith(".weight", StringComparison.Ordinal) && shapes.ContainsKey(name[..^".weight".Length] + ".qweight")))
            {
                missing.Add(name);
            }
        }
        return missing;
    }

    /// <summary>
    /// Infers hyper-parameters from tensor shapes alone (a bare safetensors file without config.json). Only
    /// multi-query models can be inferred: c_attn has D + 2·head_dim rows, which gives the head count.
    /// </summary>
    public static GptBigCodeConfig? Infer(IReadOnlyDictionary<string, TensorShape> shapes)
    {
        if (!shapes.TryGetValue(GptBigCodeNames.TokenEmbedding, out var wte) || wte.Rank != 2
            || !shapes.TryGetValue(GptBigCodeNames.PositionEmbedding, out var wpe) || wpe.Rank != 2
            || !shapes.TryGetValue(GptBigCodeNames.Layer(0, "attn.c_attn", "bias"), out var qkvBias) || qkvBias.Rank != 1
            || !shapes.TryGetValue(GptBigCodeNames.Layer(0, "mlp.c_fc", "bias"), out var fcBias) || fcBias.Rank != 1)
            return null;
        long d = wte[1];
        long headDim2 = qkvBias[0] - d;
        if (d <= 0 || headDim2 <= 0 || headDim2 % 2 != 0 || d % (headDim2 / 2) != 0)
            return null;
        int layers = 0;
        while (shapes.ContainsKey(GptBigCodeNames.Layer(layers, "ln_1", "weight")))
            layers++;
        if (layers == 0 || wte[0] > int.MaxValue || wpe[0] > int.MaxValue || d > int.MaxValue || fcBias[0] > int.MaxValue)
            return null;
        return new GptBigCodeConfig
        {
            VocabSize = (int)wte[0],
            ContextLength = (int)wpe[0],
            EmbeddingSize = (int)d,
            LayerCount = layers,
            HeadCount = (int)(d / (headDim2 / 2)),
            KvHeadCount = 1,
            FeedForwardSize = (int)fcBias[0],
            TieWordEmbeddings = !shapes.ContainsKey(GptBigCodeNames.OutputHead),
        };
    }

    /// <summary>Rows of a 2-D tensor (or elements of a 1-D one) as an int, when present and in range.</summary>
    public static int? Rows(IReadOnlyDictionary<string, TensorShape> shapes, string name)
        => shapes.TryGetValue(name, out var s) && s.Rank >= 1 && s[0] is > 0 and <= int.MaxValue ? (int)s[0] : null;

    /// <summary>True when <paramref name="tensorCount"/> tensors are enough for the config's layers (12 per layer plus 4).</summary>
    public static bool HasRoomForLayers(GptBigCodeConfig c, int tensorCount) => c.LayerCount <= Math.Max(0, (tensorCount - 4) / 12);

    /// <summary>
    /// Validates the config, turning the engine's <see cref="InvalidDataException"/> into a <see cref="ModelFormatException"/>,
    /// and bounds the sizes so that derived shapes cannot overflow and a hostile layer count cannot make us enumerate
    /// more tensors than the file holds (<paramref name="tensorCount"/>).
    /// </summary>
    public static void Validate(string origin, GptBigCodeConfig c, int tensorCount)
    {
        static void Bound(string origin, string field, long value, long max)
        {
            if (value > max)
                throw new ModelFormatException(origin, field, $"{value} exceeds the supported maximum {max}");
        }
        Bound(origin, "n_embd", c.EmbeddingSize, 1 << 20);
        Bound(origin, "n_inner", c.FeedForwardSize, 1 << 24);
        Bound(origin, "n_head", c.HeadCount, 1 << 16);
        // A GPTBigCode layer is 12 tensors (GPTQ: more), plus at least wte, wpe and ln_f.
        if (!HasRoomForLayers(c, tensorCount))
            throw new ModelFormatException(origin, "n_layer", $"{c.LayerCount} layers need at least {12L * c.LayerCount + 4} tensors; the file has {tensorCount}");
        try
        {
            c.Validate(origin);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException(origin, "hyper-parameters", e.Message.StartsWith(origin + ": ", StringComparison.Ordinal) ? e.Message[(origin.Length + 2)..] : e.Message, null, e);
        }
    }
}
