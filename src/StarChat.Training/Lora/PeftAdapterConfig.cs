using System.Text.Json;
using StarChat.Formats;
using StarChat.Formats.Peft;

namespace StarChat.Training.Lora;

/// <summary>
/// <c>adapter_config.json</c> of a PEFT LoRA adapter for training: the fields this stack uses (read by StarChat.Formats'
/// <see cref="LoraConfig"/>, shared with inference) and written with every key PEFT 0.13 writes (sorted, two-space indent, as <c>PeftConfig.save_pretrained</c>), so PEFT loads it.
/// </summary>
public sealed record PeftAdapterConfig
{
    /// <summary><c>r</c>.</summary>
    public int Rank { get; init; } = 8;

    /// <summary><c>lora_alpha</c>.</summary>
    public double Alpha { get; init; } = 8;

    /// <summary><c>lora_dropout</c> (training only).</summary>
    public double Dropout { get; init; }

    /// <summary><c>target_modules</c> as a list (a regex string is kept in <see cref="TargetRegex"/>).</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = [];

    /// <summary><c>target_modules</c> when the file gives a regex string instead of a list.</summary>
    public string? TargetRegex { get; init; }

    /// <summary><c>use_rslora</c>: scale by alpha/√r instead of alpha/r.</summary>
    public bool UseRsLora { get; init; }

    /// <summary><c>base_model_name_or_path</c>.</summary>
    public string? BaseModel { get; init; }

    /// <summary>The factor the branch output is multiplied by.</summary>
    public double Scaling => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary>The config of an adapter trained with <paramref name="settings"/>.</summary>
    public static PeftAdapterConfig From(LoraSettings settings, string? baseModel)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new PeftAdapterConfig
        {
            Rank = settings.Rank,
            Alpha = settings.Alpha,
            Dropout = settings.Dropout,
            TargetModules = settings.TargetModules,
            BaseModel = baseModel,
        };
    }

    /// <summary>The fields of a config read by StarChat.Formats (the one <c>adapter_config.json</c> reader).</summary>
    public static PeftAdapterConfig From(LoraConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new PeftAdapterConfig
        {
            Rank = config.Rank,
            Alpha = config.Alpha,
            Dropout = config.Dropout,
            TargetModules = config.TargetModules ?? [],
            TargetRegex = config.TargetPattern,
            UseRsLora = config.UseRsLora,
            BaseModel = config.BaseModel,
        };
    }

    /// <summary>Reads and checks an <c>adapter_config.json</c> (with <see cref="LoraConfig.Read"/>).</summary>
    /// <exception cref="ModelFormatException">Malformed, or the adapter needs maths this stack does not implement (DoRA, biases, per-module ranks, saved modules, another PEFT type); the message names the file and field.</exception>
    public static PeftAdapterConfig Read(string path) => From(LoraConfig.Read(path));

    /// <summary>Writes the config as PEFT 0.13.2 does: every key, sorted, two-space indent, no final newline.</summary>
    public void Write(string path)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
        {
            json.WriteStartObject();
            json.WriteStartObject("alpha_pattern"); json.WriteEndObject();
            json.WriteNull("auto_mapping");
            if (BaseModel is null) json.WriteNull("base_model_name_or_path"); else json.WriteString("base_model_name_or_path", BaseModel);
            json.WriteString("bias", "none");
            json.WriteBoolean("fan_in_fan_out", false);
            json.WriteBoolean("inference_mode", true);
            json.WriteBoolean("init_lora_weights", true);
            json.WriteNull("layer_replication");
            json.WriteNull("layers_pattern");
            json.WriteNull("layers_to_transform");
            json.WriteStartObject("loftq_config"); json.WriteEndObject();
            WriteNumber(json, "lora_alpha", Alpha);
            WriteFloat(json, "lora_dropout", Dropout);
            json.WriteNull("megatron_config");
            json.WriteString("megatron_core", "megatron.core");
            json.WriteNull("modules_to_save");
            json.WriteString("peft_type", "LORA");
            json.WriteNumber("r", Rank);
            json.WriteStartObject("rank_pattern"); json.WriteEndObject();
            json.WriteNull("revision");
            if (TargetRegex is not null)
            {
                json.WriteString("target_modules", TargetRegex);
            }
            else
            {
                // PEFT keeps target_modules as a set and saves it as a list; sorted here so the file is reproducible.
                json.WriteStartArray("target_modules");
                foreach (var t in TargetModules.Distinct().Order(StringComparer.Ordinal))
                    json.WriteStringValue(t);
                json.WriteEndArray();
            }
            json.WriteString("task_type", "CAUSAL_LM");
            json.WriteBoolean("use_dora", false);
            json.WriteBoolean("use_rslora", UseRsLora);
            json.WriteEndObject();
        }
        File.WriteAllBytes(path, stream.ToArray());
    }

    // Python's json writes an int for an integral value given as int (lora_alpha = 16) and the shortest repr otherwise.
    private static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        if (value == Math.Floor(value) && Math.Abs(value) < 1e15)
            json.WriteNumber(name, (long)value);
        else
            json.WriteNumber(name, value);
    }

    // lora_dropout is a Python float: 0.0 and 0.05, never 0.
    private static void WriteFloat(Utf8JsonWriter json, string name, double value)
    {
        json.WritePropertyName(name);
        string text = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        json.WriteRawValue(text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0");
    }
}
