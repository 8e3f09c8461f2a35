using System.Text.Json;

namespace StarChat.Training.Lora;

/// <summary>
/// <c>adapter_config.json</c> of a PEFT LoRA adapter: the fields this stack uses, read defensively and written with
/// every key PEFT 0.13 writes (sorted, two-space indent, as <c>PeftConfig.save_pretrained</c>), so PEFT loads it.
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

    /// <summary>Reads and checks an <c>adapter_config.json</c>.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, or a field is missing or of the wrong kind; the message names the file and field.</exception>
    /// <exception cref="NotSupportedException">The adapter needs maths this stack does not implement (DoRA, biases, per-module ranks, saved modules, another PEFT type).</exception>
    public static PeftAdapterConfig Read(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: expected a JSON object");
            string? peftType = OptionalString(root, "peft_type", path);
            if (peftType is not (null or "LORA"))
                throw new NotSupportedException($"{path}: peft_type '{peftType}' is not supported (only LORA)");
            if (OptionalBool(root, "use_dora", path))
                throw new NotSupportedException($"{path}: use_dora is true; DoRA adapters need a different forward pass, not supported");
            if (OptionalBool(root, "fan_in_fan_out", path))
                throw new NotSupportedException($"{path}: fan_in_fan_out is true, which is for GPT-2 style Conv1D layers; GPTBigCode uses nn.Linear (formats.md §12)");
            if (OptionalString(root, "bias", path) is { } bias && bias != "none")
                throw new NotSupportedException($"{path}: bias '{bias}' (adapter-trained biases) is not supported; only \"none\"");
            foreach (var field in new[] { "rank_pattern", "alpha_pattern" })
            {
                if (root.TryGetProperty(field, out var pattern) && pattern.ValueKind == JsonValueKind.Object && pattern.EnumerateObject().Any())
                    throw new NotSupportedException($"{path}: {field} gives per-module values, which are not supported");
            }
            if (root.TryGetProperty("modules_to_save", out var saved) && saved.ValueKind == JsonValueKind.Array && saved.GetArrayLength() > 0)
                throw new NotSupportedException($"{path}: modules_to_save (fully trained copies of modules) is not supported");

            if (!root.TryGetProperty("r", out var r) || r.ValueKind != JsonValueKind.Number || !r.TryGetInt32(out int rank) || rank <= 0)
                throw new InvalidDataException($"{path}: field 'r' must be a positive integer");
            double alpha = root.TryGetProperty("lora_alpha", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetDouble()
                : a.ValueKind == JsonValueKind.Undefined ? 8 : throw new InvalidDataException($"{path}: field 'lora_alpha' must be a number");
            double dropout = root.TryGetProperty("lora_dropout", out var dr) && dr.ValueKind == JsonValueKind.Number ? dr.GetDouble() : 0;
            IReadOnlyList<string> targets = [];
            string? regex = null;
            if (root.TryGetProperty("target_modules", out var t))
            {
                if (t.ValueKind == JsonValueKind.String)
                    regex = t.GetString();
                else if (t.ValueKind == JsonValueKind.Array && t.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
                    targets = [.. t.EnumerateArray().Select(e => e.GetString()!)];
                else if (t.ValueKind != JsonValueKind.Null)
                    throw new InvalidDataException($"{path}: field 'target_modules' must be a list of names or a regex string");
            }
            return new PeftAdapterConfig
            {
                Rank = rank,
                Alpha = alpha,
                Dropout = dropout,
                TargetModules = targets,
                TargetRegex = regex,
                UseRsLora = OptionalBool(root, "use_rslora", path),
                BaseModel = OptionalString(root, "base_model_name_or_path", path),
            };
        }
    }

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

    private static string? OptionalString(JsonElement root, string name, string path)
        => !root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
            : v.ValueKind == JsonValueKind.String ? v.GetString() : throw new InvalidDataException($"{path}: field '{name}' must be a string");

    private static bool OptionalBool(JsonElement root, string name, string path)
        => root.TryGetProperty(name, out var v) && v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new InvalidDataException($"{path}: field '{name}' must be true or false"),
        };
}
