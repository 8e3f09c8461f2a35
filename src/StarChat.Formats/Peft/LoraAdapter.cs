using System.Text.RegularExpressions;
using StarChat.Engine.Tensors;

namespace StarChat.Formats.Peft;

/// <summary>One adapted linear layer: y += scaling·(x·Aᵀ)·Bᵀ.</summary>
/// <param name="Module">Canonical module path, e.g. <c>transformer.h.0.attn.c_attn</c> (its weight is <c>Module + ".weight"</c>).</param>
/// <param name="A"><c>lora_A.weight</c> <c>[r, in]</c>.</param>
/// <param name="B"><c>lora_B.weight</c> <c>[out, r]</c>.</param>
public sealed record LoraPair(string Module, TensorView A, TensorView B);

/// <summary>
/// A PEFT LoRA adapter folder (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c> or <c>.bin</c>) for a
/// GPTBigCode model: its settings and the A/B pair of every adapted linear layer, checked for completeness and
/// consistent ranks. The tensors stay memory-mapped until disposal. Shapes against a base model are checked where
/// the adapter is attached.
/// </summary>
public sealed partial class LoraAdapter : IDisposable
{
    private readonly LoadedModel _files;

    private LoraAdapter(string path, LoraConfig config, LoadedModel files, IReadOnlyList<LoraPair> pairs)
    {
        Path = path;
        Config = config;
        _files = files;
        Pairs = pairs;
    }

    /// <summary>The adapter folder.</summary>
    public string Path { get; }

    /// <summary>Its settings.</summary>
    public LoraConfig Config { get; }

    /// <summary>Adapted linear layers in file order.</summary>
    public IReadOnlyList<LoraPair> Pairs { get; }

    // PeftKeys.LoraA/LoraB, also with an adapter name PEFT keeps in memory (….lora_A.default.weight).
    [GeneratedRegex(@"^base_model\.model\.(?<module>transformer\.h\.\d+\.(?:attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj))\.lora_(?<which>[AB])(?:\.[A-Za-z0-9_]+)?\.weight$")]
    private static partial Regex KeyPattern();

    /// <summary>Opens and checks the adapter in <paramref name="folder"/>.</summary>
    /// <exception cref="FileNotFoundException">No adapter_config.json in the folder.</exception>
    /// <exception cref="ModelFormatException">The config or weights are malformed, use unsupported settings, name modules GPTBigCode lacks, or pairs are incomplete or of the wrong rank.</exception>
    public static LoraAdapter Open(string folder)
    {
        string configPath = System.IO.Path.Combine(folder, "adapter_config.json");
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"{folder}: not a PEFT adapter folder (no adapter_config.json)", configPath);
        var config = LoraConfig.Read(configPath);
        var files = ModelFile.Open(folder);
        try
        {
            string origin = files.WeightFiles.Count > 0 ? files.WeightFiles[0] : folder;
            var a = new Dictionary<string, TensorView>(StringComparer.Ordinal);
            var b = new Dictionary<string, TensorView>(StringComparer.Ordinal);
            foreach (var name in files.Weights.Names)
            {
                var match = KeyPattern().Match(name);
                if (!match.Success)
                    throw new ModelFormatException(origin, $"tensor '{name}'", "not a LoRA A/B weight of a GPTBigCode linear layer (c_attn, c_proj, c_fc of transformer.h.N); is the adapter for another architecture, or does it save extra modules?");
                string module = match.Groups["module"].Value;
                if (!config.Targets(module))
                    throw new ModelFormatException(origin, $"tensor '{name}'", $"module '{module}' is not selected by target_modules in {configPath}");
                var view = files.Weights.Get(name);
                if (view.Shape.Rank != 2 || view.Type is not (TensorType.F32 or TensorType.F16 or TensorType.BF16))
                    throw new ModelFormatException(origin, $"tensor '{name}'", $"expected an F32/F16/BF16 matrix, got {view.Type} {view.Shape}");
                (match.Groups["which"].Value == "A" ? a : b)[module] = view;
            }
            var pairs = new List<LoraPair>();
            foreach (var (module, av) in a)
            {
                if (!b.TryGetValue(module, out var bv))
                    throw new ModelFormatException(origin, $"tensor 'base_model.model.{module}.lora_B.weight'", "missing: every lora_A needs its lora_B");
                if (av.Shape[0] != config.Rank || bv.Shape[1] != config.Rank)
                    throw new ModelFormatException(origin, $"tensor 'base_model.model.{module}.lora_A.weight'", $"A {av.Shape} and B {bv.Shape} do not have rank r = {config.Rank} from adapter_config.json");
                pairs.Add(new LoraPair(module, av, bv));
            }
            foreach (var module in b.Keys.Where(m => !a.ContainsKey(m)))
                throw new ModelFormatException(origin, $"tensor 'base_model.model.{module}.lora_A.weight'", "missing: every lora_B needs its lora_A");
            if (pairs.Count == 0)
                throw new ModelFormatException(origin, "tensors", "the adapter holds no LoRA weights");
            return new LoraAdapter(folder, config, files, pairs);
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    /// <summary>Releases the mapped weights; the pairs' views must not be used afterwards.</summary>
    public void Dispose() => _files.Dispose();
}
