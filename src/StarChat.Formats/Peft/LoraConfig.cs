using System.Text.Json;
using System.Text.RegularExpressions;
using StarChat.Formats.HuggingFace;
using StarChat.Formats.IO;

namespace StarChat.Formats.Peft;

/// <summary>
/// The fields of a PEFT <c>adapter_config.json</c> that change inference (formats.md §12, README-hf.md §4). Settings
/// with other maths (DoRA, bias training, saved full modules, per-module rank/alpha patterns) are refused, naming
/// the field, rather than silently ignored.
/// </summary>
public sealed record LoraConfig
{
    /// <summary>GPTBigCode's linear layers a target entry may name (<c>q_attn</c> exists only in multi-head models and matches nothing here).</summary>
    private static readonly string[] s_linearLeaves = ["c_attn", "c_proj", "c_fc", "q_attn"];

    /// <summary><c>r</c>: the rank.</summary>
    public required int Rank { get; init; }

    /// <summary><c>lora_alpha</c>.</summary>
    public required double Alpha { get; init; }

    /// <summary><c>use_rslora</c>: scale by alpha/√r instead of alpha/r.</summary>
    public bool UseRsLora { get; init; }

    /// <summary>PEFT's scaling of the update: <c>lora_alpha / r</c>, or <c>lora_alpha / √r</c> with rsLoRA.</summary>
    public double Scaling => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary><c>target_modules</c> as a list (null when given as a regex, see <see cref="TargetPattern"/>).</summary>
    public IReadOnlyList<string>? TargetModules { get; init; }

    /// <summary><c>target_modules</c> given as a string: a regex that must match a whole module path.</summary>
    public string? TargetPattern { get; init; }

    /// <summary><c>lora_dropout</c>: used in training only (inference ignores it).</summary>
    public double Dropout { get; init; }

    /// <summary><c>base_model_name_or_path</c>, for messages.</summary>
    public string? BaseModel { get; init; }

    /// <summary>
    /// True when PEFT would adapt the module at <paramref name="path"/> (e.g. <c>transformer.h.0.mlp.c_proj</c>): a
    /// list entry equal to the path or to a dotted suffix of it, or a regex matching the whole path.
    /// </summary>
    public bool Targets(string path)
        => TargetPattern is { } pattern
            ? Regex.IsMatch(path, $"^(?:{pattern})$", RegexOptions.None, TimeSpan.FromSeconds(1))
            : TargetModules is { } list && list.Any(t => path == t || path.EndsWith("." + t, StringComparison.Ordinal));

    /// <summary>Reads and checks <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">Malformed, not a LoRA adapter, a setting with other maths, or a target that names no GPTBigCode linear layer.</exception>
    public static LoraConfig Read(string path)
    {
        using var doc = JsonFiles.Parse(path);
        return Parse(path, doc.RootElement);
    }

    internal static LoraConfig Parse(string origin, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(origin, "root", $"expected a JSON object, found {root.ValueKind}");
        string peftType = JsonFields.String(origin, root, "peft_type") ?? "LORA";
        if (peftType != "LORA")
            throw new ModelFormatException(origin, "peft_type", $"'{peftType}' adapters are not supported (LORA is)");
        if (JsonFields.Bool(origin, root, "use_dora") == true)
            throw new ModelFormatException(origin, "use_dora", "DoRA adapters are not supported (their update is normalized per column)");
        if (JsonFields.Bool(origin, root, "fan_in_fan_out") == true)
            throw new ModelFormatException(origin, "fan_in_fan_out", "true is for GPT-2 Conv1D layers; GPTBigCode's nn.Linear adapters have it false");
        string bias = JsonFields.String(origin, root, "bias") ?? "none";
        if (bias != "none")
            throw new ModelFormatException(origin, "bias", $"'{bias}' (trained biases that replace the base ones) is not supported; only \"none\"");
        foreach (var field in new[] { "modules_to_save", "rank_pattern", "alpha_pattern" })
        {
            if (root.TryGetProperty(field, out var v) && v.ValueKind switch
                {
                    JsonValueKind.Null => false,
                    JsonValueKind.Array => v.GetArrayLength() > 0,
                    JsonValueKind.Object => v.EnumerateObject().Any(),
                    _ => true,
                })
                throw new ModelFormatException(origin, field, $"{v.GetRawText()} is not supported (only adapters without {field})");
        }
        int rank = JsonFields.Int(origin, root, "r") ?? 8;
        if (rank <= 0)
            throw new ModelFormatException(origin, "r", $"rank {rank} must be positive");
        double alpha = JsonFields.Number(origin, root, "lora_alpha") ?? 8;
        IReadOnlyList<string>? list = null;
        string? pattern = null;
        if (root.TryGetProperty("target_modules", out var targets) && targets.ValueKind != JsonValueKind.Null)
        {
            if (targets.ValueKind == JsonValueKind.String)
                pattern = targets.GetString();
            else if (targets.ValueKind == JsonValueKind.Array)
                list = [.. targets.EnumerateArray().Select(t => t.ValueKind == JsonValueKind.String ? t.GetString()!
                    : throw new ModelFormatException(origin, "target_modules", $"expected strings, found {t.ValueKind}"))];
            else
                throw new ModelFormatException(origin, "target_modules", $"expected a list or a regex string, found {targets.ValueKind}");
            foreach (var t in list ?? [])
            {
                string leaf = t[(t.LastIndexOf('.') + 1)..];
                if (!s_linearLeaves.Contains(leaf))
                    throw new ModelFormatException(origin, "target_modules", $"'{t}' names no GPTBigCode linear layer ({string.Join(", ", s_linearLeaves[..3])}); is the adapter for another architecture?");
            }
        }
        else
        {
            list = ["c_attn"];      // PEFT's default for gpt_bigcode
        }
        return new LoraConfig
        {
            Rank = rank,
            Alpha = alpha,
            UseRsLora = JsonFields.Bool(origin, root, "use_rslora") ?? false,
            Dropout = JsonFields.Number(origin, root, "lora_dropout") ?? 0,
            TargetModules = list,
            TargetPattern = pattern,
            BaseModel = JsonFields.String(origin, root, "base_model_name_or_path"),
        };
    }
}
