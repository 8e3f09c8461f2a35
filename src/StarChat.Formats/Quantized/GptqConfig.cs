using System.Text.Json;
using StarChat.Formats.HuggingFace;
using StarChat.Formats.IO;

namespace StarChat.Formats.Quantized;

/// <summary>
/// The GPTQ settings a loader needs (formats.md §11): from <c>quantize_config.json</c> (AutoGPTQ, optimum) or, failing
/// that, <c>config.json</c> → <c>quantization_config</c> with <c>quant_method: "gptq"</c> (transformers). Legacy
/// synonyms <c>w_bit</c> and <c>q_group_size</c> are accepted.
/// </summary>
/// <param name="Origin">The file the settings came from (named in errors).</param>
/// <param name="Bits">Bits per weight: 2, 4 or 8 (3 packs across words and is refused).</param>
/// <param name="GroupSize">Input channels per scale group; −1 = one group per row.</param>
/// <param name="DescAct">Act-order: groups follow <c>g_idx</c>, which is not monotonic.</param>
/// <param name="ZeroOffset">1 for format v1 (<c>qzeros</c> store zero − 1), 0 for GPTQModel's <c>gptq_v2</c>.</param>
internal sealed record GptqConfig(string Origin, int Bits, int GroupSize, bool DescAct, int ZeroOffset)
{
    /// <summary>Reads the settings of the GPTQ checkpoint in <paramref name="folder"/>.</summary>
    /// <exception cref="ModelFormatException">Neither file carries GPTQ settings, or a field is invalid or unsupported; the message names file and field.</exception>
    public static GptqConfig Read(string folder)
    {
        string quantizeConfig = Path.Combine(folder, "quantize_config.json");
        if (File.Exists(quantizeConfig))
        {
            using var doc = JsonFiles.Parse(quantizeConfig);
            return Parse(quantizeConfig, doc.RootElement);
        }
        string config = Path.Combine(folder, "config.json");
        if (File.Exists(config))
        {
            using var doc = JsonFiles.Parse(config);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("quantization_config", out var q) && q.ValueKind == JsonValueKind.Object
                && q.TryGetProperty("quant_method", out var m) && m.ValueKind == JsonValueKind.String && m.GetString() == "gptq")
                return Parse(config + " quantization_config", q);
        }
        throw new ModelFormatException(quantizeConfig, "quantize_config.json",
            "missing: the weights are GPTQ-packed (qweight/qzeros/scales) but neither quantize_config.json nor config.json's quantization_config gives bits and group_size");
    }

    internal static GptqConfig Parse(string origin, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(origin, "root", $"expected a JSON object, found {root.ValueKind}");
        int bits = Int(origin, root, "bits", "w_bit") ?? 4;
        if (bits is not (2 or 4 or 8))
            throw new ModelFormatException(origin, "bits", $"{bits}-bit GPTQ is not supported (2, 4 and 8 are; 3-bit packs values across int32 words)");
        int group = Int(origin, root, "group_size", "q_group_size") ?? 128;
        if (group != -1 && group <= 0)
            throw new ModelFormatException(origin, "group_size", $"{group} is neither a positive group size nor −1 (one group per row)");
        bool descAct = JsonFields.Bool(origin, root, "desc_act") ?? false;
        if (JsonFields.Bool(origin, root, "is_marlin_format") == true)
            throw new ModelFormatException(origin, "is_marlin_format", "Marlin-repacked GPTQ weights are not supported; use the plain GPTQ checkpoint");
        string format = JsonFields.String(origin, root, "checkpoint_format") ?? "gptq";
        int zeroOffset = format switch
        {
            "gptq" => 1,
            "gptq_v2" => 0,
            _ => throw new ModelFormatException(origin, "checkpoint_format", $"'{format}' is not supported (gptq and gptq_v2 are)"),
        };
        return new GptqConfig(origin, bits, group, descAct, zeroOffset);
    }

    private static int? Int(string origin, JsonElement root, string name, string alias)
    {
        foreach (var key in new[] { name, alias })
        {
            if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
                continue;
            return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)
                ? i
                : throw new ModelFormatException(origin, key, $"expected an integer, found {v.ValueKind} {v.GetRawText()}");
        }
        return null;
    }
}
