using System.Buffers.Binary;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;
using StarChat.Formats.IO;
using StarChat.Formats.Safetensors;

namespace StarChat.Formats.Peft;

/// <summary>What <see cref="LoraMerge.Merge"/> wrote.</summary>
/// <param name="WeightsFile">The merged <c>model.safetensors</c>.</param>
/// <param name="MergedTensors">Names of the weights that changed.</param>
/// <param name="CopiedFiles">Config and tokenizer files copied beside it.</param>
public sealed record LoraMergeResult(string WeightsFile, IReadOnlyList<string> MergedTensors, IReadOnlyList<string> CopiedFiles);

/// <summary>
/// Merges LoRA adapters into a Hugging Face model folder and writes a new one (formats.md §12): W′ = W + Σ s·(B·A) for
/// every adapted linear layer, computed in float64 and rounded once to the weight's own dtype (F32, F16 or BF16);
/// every other tensor is copied byte for byte into one <c>model.safetensors</c> (one tensor must stay under 2 GiB;
/// merged weights are held in memory until written), and config, generation config and tokenizer files are copied unchanged.
/// </summary>
public static class LoraMerge
{
    private static readonly string[] s_sideFiles =
    [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        "added_tokens.json", "vocab.json", "merges.txt", "dialogue_template.json",
    ];

    /// <summary>Merges <paramref name="adapters"/> (each with a factor on its own scaling) into the model at <paramref name="modelFolder"/>.</summary>
    /// <exception cref="ModelFormatException">The base is not an unquantized Hugging Face folder, or an adapter does not fit it.</exception>
    /// <exception cref="ArgumentException">The output folder is the model folder, or no adapter is given.</exception>
    public static LoraMergeResult Merge(string modelFolder, IReadOnlyList<(LoraAdapter Adapter, double Scale)> adapters, string outFolder)
    {
        ArgumentNullException.ThrowIfNull(adapters);
        if (adapters.Count == 0)
            throw new ArgumentException("no adapter to merge", nameof(adapters));
        if (Path.GetFullPath(outFolder).TrimEnd(Path.DirectorySeparatorChar) == Path.GetFullPath(modelFolder).TrimEnd(Path.DirectorySeparatorChar))
            throw new ArgumentException($"{outFolder}: the output folder must differ from the model folder", nameof(outFolder));
        using var model = ModelFile.Open(modelFolder);
        if (!model.IsFolder || model.Format is not (ModelFormat.Safetensors or ModelFormat.PyTorch))
            throw new ModelFormatException(modelFolder, "format", "merging writes a Hugging Face folder, so the base must be one (safetensors or pytorch_model.bin)");
        model.RequireConfig();
        if (model.FileTensors.FirstOrDefault(t => t.Name.EndsWith(".SCB", StringComparison.Ordinal) || t.Name.EndsWith(".qweight", StringComparison.Ordinal)) is { } quantized)
            throw new ModelFormatException(modelFolder, $"tensor '{quantized.Name}'", "the base is quantized (bitsandbytes or GPTQ); merge into the unquantized model, then quantize");

        var updates = new Dictionary<string, List<(LoraPair Pair, double Scale)>>(StringComparer.Ordinal);
        foreach (var (adapter, scale) in adapters)
        {
            foreach (var pair in adapter.Pairs)
            {
                string name = pair.Module + ".weight";
                var stored = model.FileTensors.FirstOrDefault(t => t.Name == name)
                    ?? throw new ModelFormatException(adapter.Path, $"module '{pair.Module}'", $"the base model has no '{name}'");
                if (!pair.A.Shape.Is(pair.A.Shape[0], stored.Shape[1]) || !pair.B.Shape.Is(stored.Shape[0], pair.A.Shape[0]) || stored.Shape.Rank != 2)
                    throw new ModelFormatException(adapter.Path, $"module '{pair.Module}'", $"LoRA A {pair.A.Shape} and B {pair.B.Shape} do not fit the base weight {stored.Shape}; is the adapter for another base model?");
                if (stored.Type is not (TensorType.F32 or TensorType.F16 or TensorType.BF16))
                    throw new ModelFormatException(modelFolder, $"tensor '{name}'", $"{stored.Type} weights cannot be merged into (F32, F16 and BF16 can)");
                if (!updates.TryGetValue(name, out var list))
                    updates[name] = list = [];
                list.Add((pair, adapter.Config.Scaling * scale));
            }
        }

        Directory.CreateDirectory(outFolder);
        // Unchanged tensors are written straight from the mapped base files; merged ones from their new bytes.
        var tensors = model.FileTensors.Select(t => new SafetensorsEntry(t.Name, t.Type, t.Shape, updates.TryGetValue(t.Name, out var list)
            ? Merged(t, list)
            : new NativeMemoryManager(t.Address, checked((int)t.ByteLength)).Memory)).ToList();
        string weightsFile = Path.Combine(outFolder, "model.safetensors");
        SafetensorsWriter.Write(weightsFile, tensors, new Dictionary<string, string> { ["format"] = "pt" });

        var copied = new List<string>();
        foreach (var file in s_sideFiles)
        {
            string from = Path.Combine(modelFolder, file);
            if (File.Exists(from))
            {
                File.Copy(from, Path.Combine(outFolder, file), overwrite: true);
                copied.Add(file);
            }
        }
        return new LoraMergeResult(weightsFile, [.. updates.Keys], copied);
    }

    /// <summary>W + Σ s·B·A row by row in float64, rounded once to W's dtype.</summary>
    private static byte[] Merged(TensorView w, List<(LoraPair Pair, double Scale)> updates)
    {
        int rows = (int)w.Shape[0], columns = (int)w.Shape[1];
        var row = new float[columns];
        var merged = new double[columns];
        var factors = updates.Select(u => (A: Floats(u.Pair.A), B: Floats(u.Pair.B), Rank: (int)u.Pair.A.Shape[0], u.Scale)).ToList();
        int elementBytes = w.Type == TensorType.F32 ? 4 : 2;
        var output = new byte[checked((long)rows * columns * elementBytes)];
        for (int o = 0; o < rows; o++)
        {
            Dequantize.Row(w.Type, w.Row(o), row);
            for (int i = 0; i < columns; i++)
                merged[i] = row[i];
            foreach (var (a, b, rank, scale) in factors)
            {
                for (int k = 0; k < rank; k++)
                {
                    double bk = scale * b[o * rank + k];
                    var aRow = a.AsSpan(k * columns, columns);
                    for (int i = 0; i < columns; i++)
                        merged[i] += bk * aRow[i];
                }
            }
            var destination = output.AsSpan(o * columns * elementBytes, columns * elementBytes);
            for (int i = 0; i < columns; i++)
            {
                switch (w.Type)
                {
                    case TensorType.F32: BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * i)..], (float)merged[i]); break;
                    case TensorType.F16: BinaryPrimitives.WriteHalfLittleEndian(destination[(2 * i)..], (Half)merged[i]); break;
                    default: BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], ToBFloat16((float)merged[i])); break;
                }
            }
        }
        return output;
    }

    private static float[] Floats(TensorView t)
    {
        var values = new float[t.Shape.ElementCount];
        Dequantize.Row(t.Type, t.Bytes, values);
        return values;
    }

    /// <summary>Round to nearest even on the upper 16 bits (torch's float → bfloat16); NaN stays NaN.</summary>
    private static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
            return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}
