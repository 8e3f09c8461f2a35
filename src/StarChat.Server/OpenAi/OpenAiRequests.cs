using System.Text.Json;
using System.Text.Json.Serialization;

namespace StarChat.Server.OpenAi;

/// <summary><c>POST /v1/chat/completions</c> body (OpenAI fields plus the common <c>top_k</c>, <c>min_p</c>, <c>repetition_penalty</c> extensions).</summary>
internal sealed class ChatCompletionRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("messages")] public List<ChatMessageBody>? Messages { get; set; }
    [JsonPropertyName("max_tokens")] public long? MaxTokens { get; set; }
    [JsonPropertyName("max_completion_tokens")] public long? MaxCompletionTokens { get; set; }
    [JsonPropertyName("temperature")] public double? Temperature { get; set; }
    [JsonPropertyName("top_p")] public double? TopP { get; set; }
    [JsonPropertyName("top_k")] public int? TopK { get; set; }
    [JsonPropertyName("min_p")] public double? MinP { get; set; }
    [JsonPropertyName("repetition_penalty")] public double? RepetitionPenalty { get; set; }
    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; set; }
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; set; }
    [JsonPropertyName("logit_bias")] public Dictionary<string, double>? LogitBias { get; set; }
    [JsonPropertyName("n")] public int? N { get; set; }
    [JsonPropertyName("seed")] public long? Seed { get; set; }
    [JsonPropertyName("stop")] public JsonElement Stop { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("stream_options")] public StreamOptionsBody? StreamOptions { get; set; }
    [JsonPropertyName("logprobs")] public bool? LogProbs { get; set; }
    [JsonPropertyName("top_logprobs")] public int? TopLogProbs { get; set; }
    [JsonPropertyName("response_format")] public ResponseFormatBody? ResponseFormat { get; set; }
    [JsonPropertyName("tools")] public JsonElement Tools { get; set; }
}

/// <summary>One message: <c>content</c> is a string, an array of <c>{"type":"text","text":…}</c> parts, or null.</summary>
internal sealed class ChatMessageBody
{
    [JsonPropertyName("role")] public string? Role { get; set; }
    [JsonPropertyName("content")] public JsonElement Content { get; set; }
}

internal sealed class StreamOptionsBody
{
    [JsonPropertyName("include_usage")] public bool? IncludeUsage { get; set; }
}

internal sealed class ResponseFormatBody
{
    [JsonPropertyName("type")] public string? Type { get; set; }
}

/// <summary><c>POST /v1/completions</c> body.</summary>
internal sealed class CompletionRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("prompt")] public JsonElement Prompt { get; set; }
    [JsonPropertyName("suffix")] public string? Suffix { get; set; }
    [JsonPropertyName("max_tokens")] public long? MaxTokens { get; set; }
    [JsonPropertyName("temperature")] public double? Temperature { get; set; }
    [JsonPropertyName("top_p")] public double? TopP { get; set; }
    [JsonPropertyName("top_k")] public int? TopK { get; set; }
    [JsonPropertyName("min_p")] public double? MinP { get; set; }
    [JsonPropertyName("repetition_penalty")] public double? RepetitionPenalty { get; set; }
    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; set; }
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; set; }
    [JsonPropertyName("logit_bias")] public Dictionary<string, double>? LogitBias { get; set; }
    [JsonPropertyName("n")] public int? N { get; set; }
    [JsonPropertyName("best_of")] public int? BestOf { get; set; }
    [JsonPropertyName("echo")] public bool? Echo { get; set; }
    [JsonPropertyName("seed")] public long? Seed { get; set; }
    [JsonPropertyName("stop")] public JsonElement Stop { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("stream_options")] public StreamOptionsBody? StreamOptions { get; set; }
    [JsonPropertyName("logprobs")] public int? LogProbs { get; set; }
}
