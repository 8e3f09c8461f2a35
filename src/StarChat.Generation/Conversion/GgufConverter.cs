using StarChat.Engine.Tensors;
using StarChat.Formats;
using StarChat.Formats.Gguf;
using StarChat.Formats.GptBigCode;
using StarChat.Generation.Text;

namespace StarChat.Generation.Conversion;

/// <summary>
/// Writes GGUF files llama.cpp loads, the way its own tools would: <see cref="Convert"/> follows
/// <c>convert_hf_to_gguf.py</c> (metadata order, tensors in sorted Hugging Face order, F16/BF16 for 2-D weights but
/// the position embedding) and, for a quantized type, then does what <c>llama-quantize</c> does to that F32 file
/// (its tensor order, per-tensor types and metadata updates); <see cref="Quantize"/> is <c>llama-quantize</c> on a GGUF.
/// So the same weights give the same bytes as llama.cpp's tools.
/// </summary>
public static class GgufConverter
{
    /// <summary>
    /// Converts any model the readers load (HF folder, GGUF, legacy GGML) to GGUF. A null <paramref name="type"/>
    /// keeps every tensor's type when the input is quantized (GGML v3 → GGUF without requantizing), else means F16.
    /// </summary>
    /// <exception cref="ModelFormatException">The input cannot be read.</exception>
    /// <exception cref="ArgumentException">The output is the input.</exception>
    public static ConversionResult Convert(string input, string output, LlamaFileType? type, ConversionOptions? options = null)
    {
        options ??= new ConversionOptions();
        RefuseOverwritingInput(input, output);
        using var model = ModelFile.Open(input);
        var config = model.RequireConfig();
        var tokenizer = GgufTokenizerExport.From(ModelTokenizer.Of(model, input));
        var notes = new List<string>();
        var sources = SourceTensors(model, notes);

        // Only ggml block types can be kept; bitsandbytes int8 and GPTQ weights (Q8_SCB, Q4_GPTQ in memory) are converted like floats.
        bool keep = type is null && sources.Any(s => TensorTypeInfo.IsQuantized(s.View.Type))
            && sources.All(s => TensorTypeInfo.IsGgmlType(s.View.Type));
        type ??= keep ? null : LlamaFileType.Parse("f16");
        var baseType = type is null || type.IsQuantized ? TensorType.F32 : type.DefaultType;
        var planned = sources.Select(s => (s.Name, s.View, Type: keep ? s.View.Type : ConverterType(s.Name, s.View, baseType))).ToList();

        string name = options.Name ?? model.GgufMetadata?.GetStringOrNull("general.name") ?? ModelNaming.FromPath(options.NamedAfter ?? input);
        string sizeLabel = ModelNaming.SizeLabel(sources.Sum(s => s.View.Shape.ElementCount));
        int fileType = keep ? KeptFileType(planned.Select(p => p.Type)) : type!.IsQuantized ? 0 : type.Id;
        var metadata = GptBigCodeGgufWriter.Metadata(config, name, sizeLabel, fileType, tokenizer);
        var fallbacks = new List<TypeFallback>();
        if (type is { IsQuantized: true })
        {
            // The F32 file convert_hf_to_gguf.py would write, then llama-quantize on it.
            planned = QuantizerOrder(planned, p => p.Name);
            var plan = new QuantizationPlan(type, [.. planned.Select(p => p.Name)], config.LayerCount, config.HeadCount, config.KvHeadCount);
            planned = [.. planned.Select(p => (p.Name, p.View, plan.TypeFor(p.Name, p.View.Shape, p.Type)))];
            fallbacks = plan.Fallbacks;
            metadata = AsQuantized(metadata, type.Id);
        }
        return Write(output, metadata, planned, fallbacks, notes, options.Threads);
    }

    /// <summary>
    /// <c>llama-quantize IN OUT TYPE</c>: keeps the input's metadata (updating the file type and quantization
    /// version), orders tensors as llama.cpp does and picks each tensor's type with its rules for the mix.
    /// Quantized input is requantized (through f32), which loses precision; the result says so.
    /// </summary>
    /// <exception cref="ModelFormatException">The input is not a GGUF of a GPTBigCode model.</exception>
    /// <exception cref="ArgumentException">The output is the input.</exception>
    public static ConversionResult Quantize(string input, string output, LlamaFileType type, ConversionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        options ??= new ConversionOptions();
        RefuseOverwritingInput(input, output);
        using var model = ModelFile.Open(input);
        if (model.Format != ModelFormat.Gguf || model.GgufMetadata is null)
            throw new ModelFormatException(input, "format", $"quantize takes a GGUF file (this is {model.Format}); use `starchat convert` for other inputs");
        var config = model.RequireConfig();
        var tensors = QuantizerOrder([.. model.FileTensors], t => t.Name);
        var plan = new QuantizationPlan(type, [.. tensors.Select(t => t.Name)], config.LayerCount, config.HeadCount, config.KvHeadCount);
        var planned = tensors.Select(t => (t.Name, View: t, Type: plan.TypeFor(t.Name, t.Shape, t.Type))).ToList();
        var notes = new List<string>();
        var requantized = planned.Where(p => p.View.Type != p.Type && TensorTypeInfo.IsQuantized(p.View.Type)).Select(p => p.Name).ToList();
        if (requantized.Count > 0)
            notes.Add($"{requantized.Count} tensors were already quantized and were requantized through f32 (quality is lower than quantizing from F16/F32)");
        var metadata = AsQuantized([.. model.GgufMetadata.Pairs], type.Id);
        return Write(output, metadata, planned, plan.Fallbacks, notes, options.Threads);
    }

    private static ConversionResult Write(string output, List<KeyValuePair<string, GgufValue>> metadata,
        List<(string Name, TensorView View, TensorType Type)> planned, List<TypeFallback> fallbacks, List<string> notes, int threads)
    {
        var sources = planned.Select(p => new GgufTensorSource(p.Name, p.Type, p.View.Shape, stream => TensorTranscoder.Write(p.View, p.Type, stream, threads)));
        GptBigCodeGgufWriter.Write(output, metadata, sources);
        var tensors = planned.Select(p => new ConvertedTensor(p.Name, p.View.Type, p.Type, p.View.Shape)).ToList();
        int fileType = (int)(uint)metadata.Last(kv => kv.Key == "general.file_type").Value.Value;
        return new ConversionResult(output, fileType, tensors, fallbacks, new FileInfo(output).Length, notes);
    }

    /// <summary>The model's tensors under their GGUF names, in sorted Hugging Face order (the converter's).</summary>
    private static List<(string Name, TensorView View)> SourceTensors(LoadedModel model, List<string> notes)
    {
        var result = new List<(string, TensorView)>();
        foreach (string hf in model.Weights.Names.Order(StringComparer.Ordinal))
        {
            var view = model.Weights.Get(hf);
            if (hf == GptBigCodeNames.OutputHead && IsTiedHead(model.Weights, view))
            {
                notes.Add("lm_head.weight equals the token embedding: not written (llama.cpp ties them)");
                continue;
            }
            string gguf = GptBigCodeNames.ToGguf(hf)
                ?? throw new ModelFormatException(model.Path, hf, $"tensor '{hf}' has no GGUF name for the starcoder architecture");
            result.Add((gguf, view));
        }
        return result;
    }

    private static bool IsTiedHead(IWeightSource weights, TensorView head)
    {
        if (!weights.Contains(GptBigCodeNames.TokenEmbedding)) return false;
        var embedding = weights.Get(GptBigCodeNames.TokenEmbedding);
        if (embedding.Type != head.Type || !embedding.Shape.Equals(head.Shape)) return false;
        for (long r = 0; r < head.Shape.RowCount; r++)
            if (!embedding.Row(r).SequenceEqual(head.Row(r))) return false;
        return true;
    }

    /// <summary>convert_hf_to_gguf.py's choice for F32/F16/BF16 output: 2-D weights take the type, except the position embedding; the rest stays F32.</summary>
    private static TensorType ConverterType(string name, TensorView view, TensorType outType)
    {
        bool matrix = view.Shape.Rank >= 2 && name.EndsWith(".weight", StringComparison.Ordinal) && name != "position_embd.weight";
        return matrix ? outType : TensorType.F32;
    }

    /// <summary>llama.cpp's <c>weight_name_comparer</c>: tensors outside the blocks first, then by block, then by name.</summary>
    private static List<T> QuantizerOrder<T>(List<T> items, Func<T, string> name)
        => [.. items.OrderBy(i => BlockIndex(name(i))).ThenBy(name, StringComparer.Ordinal)];

    private static int BlockIndex(string name)
    {
        if (!name.StartsWith("blk.", StringComparison.Ordinal)) return -1;
        int end = name.IndexOf('.', 4);
        return end > 4 && int.TryParse(name.AsSpan(4, end - 4), out int i) ? i : -1;
    }

    /// <summary>llama-quantize sets <c>general.quantization_version</c> and <c>general.file_type</c>, which moves them to the end.</summary>
    private static List<KeyValuePair<string, GgufValue>> AsQuantized(List<KeyValuePair<string, GgufValue>> metadata, int fileType)
    {
        var result = metadata.Where(kv => kv.Key is not ("general.quantization_version" or "general.file_type")).ToList();
        result.Add(new("general.quantization_version", GgufValue.Of(2u)));
        result.Add(new("general.file_type", GgufValue.Of((uint)fileType)));
        return result;
    }

    private static int KeptFileType(IEnumerable<TensorType> types)
    {
        var main = types.Where(TensorTypeInfo.IsQuantized).GroupBy(t => t).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault();
        return LlamaFileType.All.FirstOrDefault(f => f.DefaultType == main && !f.Name.Contains("_k_", StringComparison.Ordinal))?.Id ?? 0;
    }

    private static void RefuseOverwritingInput(string input, string output)
    {
        if (string.Equals(Path.GetFullPath(input), Path.GetFullPath(output), StringComparison.Ordinal))
            throw new ArgumentException($"the output {output} is the input; write to another file");
    }
}
