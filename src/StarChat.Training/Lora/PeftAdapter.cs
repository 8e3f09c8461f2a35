using System.Numerics;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;
using StarChat.Formats;
using StarChat.Formats.Peft;
using StarChat.Formats.Safetensors;
using StarChat.Training.Model;

namespace StarChat.Training.Lora;

/// <summary>
/// A PEFT LoRA adapter folder (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>, or a legacy
/// <c>adapter_model.bin</c>): its config and its A/B matrices by module, widened to f32. Written with the key names
/// and layout PEFT saves (formats.md §12): <c>base_model.model.{module}.lora_A.weight</c> <c>[r, in]</c> and
/// <c>….lora_B.weight</c> <c>[out, r]</c>, F32, metadata <c>{"format": "pt"}</c>.
/// </summary>
public sealed class PeftAdapter
{
    /// <summary>The config file's name.</summary>
    public const string ConfigFileName = "adapter_config.json";

    /// <summary>The weights file's name.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    private PeftAdapter(PeftAdapterConfig config, IReadOnlyDictionary<string, LoraMatrices> modules)
    {
        Config = config;
        Modules = modules;
    }

    /// <summary>The adapter's config.</summary>
    public PeftAdapterConfig Config { get; }

    /// <summary>A and B of every adapted module, by the module's path in the base model (<c>transformer.h.0.attn.c_attn</c>).</summary>
    public IReadOnlyDictionary<string, LoraMatrices> Modules { get; }

    /// <summary>Writes the LoRA branches of <paramref name="model"/> as a PEFT adapter folder (created if needed).</summary>
    /// <param name="folder">Destination folder.</param>
    /// <param name="model">The model whose branches are saved.</param>
    /// <param name="config">The config to write (rank and alpha must match the branches).</param>
    /// <exception cref="InvalidOperationException">The model has no LoRA branch, or a branch disagrees with the config's rank.</exception>
    public static void Save<T>(string folder, GptBigCodeParameters<T> model, PeftAdapterConfig config)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        var adapted = model.LinearLayers.Where(l => l.Lora is not null).ToList();
        if (adapted.Count == 0)
            throw new InvalidOperationException("the model has no LoRA branch to save");
        var entries = new List<SafetensorsEntry>();
        foreach (var layer in adapted)
        {
            var branch = layer.Lora!;
            if (branch.Rank != config.Rank)
                throw new InvalidOperationException($"{layer.ModulePath}: branch rank {branch.Rank} differs from the config's r = {config.Rank}");
            entries.Add(Entry(branch.A));
            entries.Add(Entry(branch.B));
        }
        Directory.CreateDirectory(folder);
        SafetensorsWriter.Write(Path.Combine(folder, WeightsFileName), entries, new Dictionary<string, string> { ["format"] = "pt" });
        config.Write(Path.Combine(folder, ConfigFileName));
    }

    /// <summary>Reads an adapter folder with StarChat.Formats' <see cref="LoraAdapter"/> (the reader inference uses) and widens its matrices to f32.</summary>
    /// <exception cref="FileNotFoundException">The folder or its config is missing.</exception>
    /// <exception cref="ModelFormatException">The config or weights are malformed or use unsupported settings, a tensor is not a LoRA matrix of a GPTBigCode linear layer, an A lacks its B, or a rank disagrees with r.</exception>
    public static PeftAdapter Load(string folder)
    {
        using var adapter = LoraAdapter.Open(folder);
        var modules = new SortedDictionary<string, LoraMatrices>(StringComparer.Ordinal);
        foreach (var pair in adapter.Pairs)
        {
            var a = Widen(adapter.Path, pair.A);
            var b = Widen(adapter.Path, pair.B);
            modules[pair.Module] = new LoraMatrices(a.Values, b.Values, a.Shape[1], b.Shape[0], adapter.Config.Rank);
        }
        return new PeftAdapter(PeftAdapterConfig.From(adapter.Config), modules);
    }

    /// <summary>
    /// Attaches this adapter's branches to the matching layers of <paramref name="model"/> (trainable, to continue
    /// training; freeze them for evaluation). Dropout comes from the config.
    /// </summary>
    /// <exception cref="ArgumentException">A module is not a linear layer of the model, or its shapes do not fit it.</exception>
    /// <exception cref="InvalidOperationException">A layer already has a branch.</exception>
    public void AttachTo<T>(GptBigCodeParameters<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = model.LinearLayers.ToDictionary(l => l.ModulePath, StringComparer.Ordinal);
        foreach (var (module, m) in Modules)
        {
            if (!layers.TryGetValue(module, out var layer))
                throw new ArgumentException($"adapter module '{module}' is not a linear layer of the model (it has e.g. {layers.Keys.First()})");
            if (m.InFeatures != layer.InFeatures || m.OutFeatures != layer.OutFeatures)
                throw new ArgumentException($"adapter module '{module}' is [{m.OutFeatures} ← {m.InFeatures}], the model's layer is [{layer.OutFeatures} ← {layer.InFeatures}]: the adapter was trained for another model");
        }
        var settings = new LoraSettings
        {
            Rank = Config.Rank,
            Alpha = Config.UseRsLora ? Config.Scaling * Config.Rank : Config.Alpha,
            Dropout = Config.Dropout,
            TargetModules = [.. Modules.Keys],
        };
        LoraAttachment.Attach(model, settings, (layer, name, _) =>
        {
            var m = Modules[layer.ModulePath];
            var source = name.EndsWith(".lora_A.weight", StringComparison.Ordinal) ? m.A : m.B;
            return [.. source.Select(T.CreateChecked)];
        });
    }

    private static (float[] Values, int[] Shape) Widen(string origin, TensorView view)
    {
        // LoraAdapter.Open has checked the shape ([r, in] or [out, r]) and the type (F32, F16 or BF16).
        int rows = checked((int)view.Shape[0]), columns = checked((int)view.Shape[1]);
        var values = new float[checked(rows * columns)];
        for (int r = 0; r < rows; r++)
            Dequantize.Row(view.Type, view.Row(r), values.AsSpan(r * columns, columns));
        return (values, [rows, columns]);
    }

    private static SafetensorsEntry Entry<T>(Parameter<T> p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new float[p.Value.Length];
        for (int i = 0; i < values.Length; i++)
            values[i] = float.CreateChecked(p.Value[i]);
        return new SafetensorsEntry(p.Name, TensorType.F32, new TensorShape([.. p.Shape.Select(d => (long)d)]), SafetensorsWriter.Bytes(values));
    }
}

/// <summary>One module's LoRA matrices, row-major f32.</summary>
/// <param name="A"><c>[r, in]</c>.</param>
/// <param name="B"><c>[out, r]</c>.</param>
/// <param name="InFeatures">in.</param>
/// <param name="OutFeatures">out.</param>
/// <param name="Rank">r.</param>
public sealed record LoraMatrices(float[] A, float[] B, int InFeatures, int OutFeatures, int Rank);
