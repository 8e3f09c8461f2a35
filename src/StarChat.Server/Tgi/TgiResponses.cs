using System.Text.Json.Serialization;

namespace StarChat.Server.Tgi;

/// <summary><c>/generate</c> response: <c>details</c> only when asked for.</summary>
internal sealed record TgiGenerateResponse(
    [property: JsonPropertyName("generated_text")] string GeneratedText,
    [property: JsonPropertyName("details"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TgiDetails? Details);

internal sealed record TgiDetails(
    [property: JsonPropertyName("finish_reason")] string FinishReason,
    [property: JsonPropertyName("generated_tokens")] int GeneratedTokens,
    [property: JsonPropertyName("seed")] long? Seed,
    [property: JsonPropertyName("prefill")] IReadOnlyList<TgiPrefillToken> Prefill,
    [property: JsonPropertyName("tokens")] IReadOnlyList<TgiToken> Tokens,
    [property: JsonPropertyName("top_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<IReadOnlyList<TgiToken>>? TopTokens)
{
    /// <summary>Always null: <c>best_of</c> above 1 is refused (<c>max_best_of</c> is 1).</summary>
    [JsonPropertyName("best_of_sequences")] public object? BestOfSequences { get; init; } = null;
}

internal sealed record TgiPrefillToken(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("logprob")] float? LogProb);

internal sealed record TgiToken(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("logprob")] float LogProb,
    [property: JsonPropertyName("special")] bool Special);

/// <summary>One <c>/generate_stream</c> event; the last carries <c>generated_text</c> and <c>details</c>.</summary>
internal sealed record TgiStreamEvent(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("token")] TgiToken Token,
    [property: JsonPropertyName("top_tokens")] IReadOnlyList<TgiToken> TopTokens,
    [property: JsonPropertyName("generated_text")] string? GeneratedText,
    [property: JsonPropertyName("details")] TgiStreamDetails? Details);

internal sealed record TgiStreamDetails(
    [property: JsonPropertyName("finish_reason")] string FinishReason,
    [property: JsonPropertyName("generated_tokens")] int GeneratedTokens,
    [property: JsonPropertyName("seed")] long? Seed,
    [property: JsonPropertyName("input_length")] int InputLength);

/// <summary><c>GET /info</c>.</summary>
internal sealed record TgiInfo(
    [property: JsonPropertyName("model_id")] string ModelId,
    [property: JsonPropertyName("max_concurrent_requests")] int MaxConcurrentRequests,
    [property: JsonPropertyName("max_best_of")] int MaxBestOf,
    [property: JsonPropertyName("max_stop_sequences")] int MaxStopSequences,
    [property: JsonPropertyName("max_input_tokens")] int MaxInputTokens,
    [property: JsonPropertyName("max_total_tokens")] int MaxTotalTokens,
    [property: JsonPropertyName("max_client_batch_size")] int MaxClientBatchSize,
    [property: JsonPropertyName("version")] string Version)
{
    [JsonPropertyName("model_sha")] public string? ModelSha { get; init; } = null;
    [JsonPropertyName("model_pipeline_tag")] public string ModelPipelineTag { get; init; } = "text-generation";
    [JsonPropertyName("model_device_type")] public string ModelDeviceType { get; init; } = "cpu";
    [JsonPropertyName("validation_workers")] public int ValidationWorkers { get; init; } = 1;
    [JsonPropertyName("router")] public string Router { get; init; } = "starchat-net";
    [JsonPropertyName("sha")] public string? Sha { get; init; } = null;
    [JsonPropertyName("docker_label")] public string? DockerLabel { get; init; } = null;
}

/// <summary>TGI's error body: <c>{"error": "…", "error_type": "…"}</c>.</summary>
internal sealed record TgiError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_type")] string ErrorType);
