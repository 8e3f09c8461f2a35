using System.Text.Json;
using System.Text.Json.Serialization;

namespace StarChat.Server.Tgi;

/// <summary><c>POST /generate</c>, <c>/generate_stream</c> and <c>/</c> body.</summary>
internal sealed class TgiGenerateRequest
{
    [JsonPropertyName("inputs")] public string? Inputs { get; set; }
    [JsonPropertyName("parameters")] public TgiParameters? Parameters { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
}

/// <summary>TGI's <c>parameters</c> (validated as TGI's router does; see protocols.md §4.3).</summary>
internal sealed class TgiParameters
{
    [JsonPropertyName("do_sample")] public bool? DoSample { get; set; }
    [JsonPropertyName("temperature")] public double? Temperature { get; set; }
    [JsonPropertyName("top_k")] public int? TopK { get; set; }
    [JsonPropertyName("top_p")] public double? TopP { get; set; }
    [JsonPropertyName("typical_p")] public double? TypicalP { get; set; }
    [JsonPropertyName("repetition_penalty")] public double? RepetitionPenalty { get; set; }
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; set; }
    [JsonPropertyName("max_new_tokens")] public long? MaxNewTokens { get; set; }
    [JsonPropertyName("stop")] public List<string>? Stop { get; set; }
    [JsonPropertyName("return_full_text")] public bool? ReturnFullText { get; set; }
    [JsonPropertyName("truncate")] public int? Truncate { get; set; }
    [JsonPropertyName("seed")] public long? Seed { get; set; }
    [JsonPropertyName("best_of")] public int? BestOf { get; set; }
    [JsonPropertyName("watermark")] public bool? Watermark { get; set; }
    [JsonPropertyName("details")] public bool? Details { get; set; }
    [JsonPropertyName("decoder_input_details")] public bool? DecoderInputDetails { get; set; }
    [JsonPropertyName("top_n_tokens")] public int? TopNTokens { get; set; }
    [JsonPropertyName("grammar")] public JsonElement Grammar { get; set; }
    [JsonPropertyName("adapter_id")] public string? AdapterId { get; set; }
}
