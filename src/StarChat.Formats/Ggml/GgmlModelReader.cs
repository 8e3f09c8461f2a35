using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;
using StarChat.Formats.GptBigCode;
using StarChat.Formats.IO;
using StarChat.Formats.Tokenizers;

namespace StarChat.Formats.Ggml;

/// <summary>
/// Turns a legacy GGML starcoder file into a <see cref="LoadedModel"/>: names mapped to Hugging Face names, shapes
/// checked against the header (F = 4·n_embd, eps 1e-5, as the example assumes), K/V heads folded back to one
/// multi-query head on first use, and <c>model/lm_head</c> treated as the tied embedding when it equals <c>model/wte</c>.
/// </summary>
internal static class GgmlModelReader
{
    public static LoadedModel Load(ByteSource source)
    {
        var weights = new ModelWeights(source.Origin);
        weights.Own(source);
        try
        {
            var ggml = GgmlLegacyFile.Open(source, ownsSource: false);
            return Build(ggml, weights);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    private static LoadedModel Build(GgmlLegacyFile ggml, ModelWeights weights)
    {
        string origin = ggml.Origin;
        var h = ggml.HyperParameters;
        int embd = h.EmbeddingSize;
        int headDim = embd / h.HeadCount;
        var config = new GptBigCodeConfig
        {
            VocabSize = h.VocabSize,
            ContextLength = h.ContextLength,
            EmbeddingSize = embd,
            LayerCount = h.LayerCount,
            HeadCount = h.HeadCount,
            KvHeadCount = 1,
            FeedForwardSize = (int)Math.Min(4L * embd, int.MaxValue),
        };
        GptBigCodeLayout.Validate(origin, config, ggml.Tensors.Count);

        var fileTensors = new List<TensorView>(ggml.Tensors.Count);
        var byName = new Dictionary<string, (GgmlTensorInfo Info, TensorView View)>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, TensorShape>(StringComparer.Ordinal);
        foreach (var info in ggml.Tensors)
        {
            var view = ggml.View(info);
            fileTensors.Add(view);
            string name = GptBigCodeNames.FromGgml(info.Name)
                ?? throw new ModelFormatException(origin, $"tensor '{info.Name}'", "not a tensor of the starcoder example", info.RecordOffset);
            if (GptBigCodeNames.LayerIndex(name) >= h.LayerCount)
                throw new ModelFormatException(origin, $"tensor '{info.Name}'", $"layer index beyond n_layer {h.LayerCount}", info.RecordOffset);
            CheckType(origin, info, name);
            byName.Add(name, (info, view));
            shapes.Add(name, IsTiledQkv(name, info.Shape, embd) ? FoldedShape(info.Shape, embd, headDim) : info.Shape);
        }

        var notes = new List<string>();
        bool tied = true;
        if (byName.TryGetValue(GptBigCodeNames.OutputHead, out var head) && byName.TryGetValue(GptBigCodeNames.TokenEmbedding, out var wte))
        {
            tied = head.Info.Type == wte.Info.Type && head.Info.Shape.Equals(wte.Info.Shape) && SameBytes(head.View, wte.View);
            notes.Add(tied ? "model/lm_head equals model/wte: treated as tied" : "model/lm_head differs from model/wte: kept as lm_head.weight");
        }
        config = config with { TieWordEmbeddings = tied };
        var missing = GptBigCodeLayout.Check(origin, config, shapes);
        if (missing.Count > 0)
            throw new ModelFormatException(origin, $"tensor '{GptBigCodeNames.ToGgml(missing[0]) ?? missing[0]}'", $"required tensor is missing ({missing.Count} missing in all)");

        foreach (var (name, (info, view)) in byName)
        {
            if (name == GptBigCodeNames.OutputHead && tied)
                continue;
            if (IsTiledQkv(name, info.Shape, embd))
                weights.AddDeferred(name, () => Rename(MultiHeadKvFolder.Fold(origin, info.Name, view, embd, h.HeadCount, weights), name));
            else
                weights.Add(name, view);
        }
        if (byName.Keys.Any(n => IsTiledQkv(n, byName[n].Info.Shape, embd)))
            notes.Add($"c_attn K/V heads are tiled {h.HeadCount}× (multi-head layout of the converter); folded to one multi-query head on first use");

        var properties = new List<KeyValuePair<string, string>>
        {
            new("ggml.ftype", h.FileTypeRaw.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("ggml.quantization_version", h.QuantizationVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        string fileType = $"{ggml.FileTypeName} (ftype {h.FileTypeRaw}: type {h.FileType}, quantization version {h.QuantizationVersion})";
        return new LoadedModel(origin, ModelFormat.GgmlLegacy, false, [origin], config, fileType, new GgmlVocabulary(ggml.Vocabulary),
            fileTensors, weights, null, properties, notes);
    }

    private static bool IsTiledQkv(string name, TensorShape shape, int embd)
        => name.EndsWith(".attn.c_attn.weight", StringComparison.Ordinal) && shape.Rank == 2 && shape[0] == 3L * embd
           || name.EndsWith(".attn.c_attn.bias", StringComparison.Ordinal) && shape.Rank == 1 && shape[0] == 3L * embd;

    private static TensorShape FoldedShape(TensorShape tiled, int embd, int headDim)
        => tiled.Rank == 1 ? new TensorShape(embd + 2L * headDim) : new TensorShape(embd + 2L * headDim, tiled[1]);

    private static void CheckType(string origin, GgmlTensorInfo info, string name)
    {
        bool isMatrix = info.Shape.Rank == 2 && name != GptBigCodeNames.PositionEmbedding;
        bool ok = isMatrix || info.Type is TensorType.F32 or TensorType.F16;
        if (!ok)
            throw new ModelFormatException(origin, $"tensor '{info.Name}'", $"{TensorTypeInfo.Name(info.Type)} is not allowed here (norms, biases and wpe are f32/f16)", info.RecordOffset);
    }

    private static bool SameBytes(TensorView a, TensorView b)
    {
        if (a.ByteLength != b.ByteLength)
            return false;
        const int chunk = 1 << 24;
        for (long at = 0; at < a.ByteLength; at += chunk)
        {
            int n = (int)Math.Min(chunk, a.ByteLength - at);
            if (!RawMemory.Span(a.Address + (nint)at, n).SequenceEqual(RawMemory.Span(b.Address + (nint)at, n)))
                return false;
        }
        return true;
    }

    private static TensorView Rename(TensorView v, string name) => new(name, v.Type, v.Shape, v.Address, v.ByteLength);
}
