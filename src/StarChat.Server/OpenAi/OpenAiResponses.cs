using System.Text.Json.Serialization;

namespace StarChat.Server.OpenAi;

/// <summary><c>chat.completion</c> (OpenAI's response shape).</summary>
internal sealed record ChatCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChoice> Choices,
    [property: JsonPropertyName("usage")] Usage Usage)
{
    [JsonPropertyName("object")] public string Object { get; init; } = "chat.completion";
    [JsonPropertyName("system_fingerprint")] public string SystemFingerprint { get; init; } = OpenAiIds.Fingerprint;
}

internal sealed record ChatChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("message")] AssistantMessage Message,
    [property: JsonPropertyName("finish_reason")] string FinishReason,
    [property: JsonPropertyName("logprobs")] ChatLogProbs? LogProbs);

internal sealed record AssistantMessage([property: JsonPropertyName("content")] string Content)
{
    [JsonPropertyName("role")] public string Role { get; init; } = "assistant";
}

internal sealed record ChatLogProbs([property: JsonPropertyName("content")] IReadOnlyList<ChatTokenLogProb> Content);

internal sealed record ChatTokenLogProb(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("logprob")] float LogProb,
    [property: JsonPropertyName("bytes")] IReadOnlyList<int> Bytes,
    [property: JsonPropertyName("top_logprobs")] IReadOnlyList<ChatTopLogProb> TopLogProbs);

internal sealed record ChatTopLogProb(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("logprob")] float LogProb,
    [property: JsonPropertyName("bytes")] IReadOnlyList<int> Bytes);

internal sealed record Usage(
    [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
    [property: JsonPropertyName("completion_tokens")] int CompletionTokens)
{
    [JsonPropertyName("total_tokens")] public int TotalTokens { get; init; } = PromptTokens + CompletionTokens;
}

/// <summary><c>chat.completion.chunk</c>: one server-sent event of a streamed chat completion.</summary>
internal sealed record ChatCompletionChunk(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChunkChoice> Choices,
    [property: JsonPropertyName("usage")] Usage? Usage)
{
    [JsonPropertyName("object")] public string Object { get; init; } = "chat.completion.chunk";
    [JsonPropertyName("system_fingerprint")] public string SystemFingerprint { get; init; } = OpenAiIds.Fingerprint;
}

internal sealed record ChunkChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("delta")] ChunkDelta Delta,
    [property: JsonPropertyName("finish_reason")] string? FinishReason,
    [property: JsonPropertyName("logprobs")] ChatLogProbs? LogProbs);

internal sealed record ChunkDelta(
    [property: JsonPropertyName("role"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content);

/// <summary><c>text_completion</c> (legacy completions), also the shape of each streamed chunk.</summary>
internal sealed record TextCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<TextChoice> Choices,
    [property: JsonPropertyName("usage"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Usage? Usage)
{
    [JsonPropertyName("object")] public string Object { get; init; } = "text_completion";
    [JsonPropertyName("system_fingerprint")] public string SystemFingerprint { get; init; } = OpenAiIds.Fingerprint;
}

internal sealed record TextChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("finish_reason")] string? FinishReason,
    [property: JsonPropertyName("logprobs")] TextLogProbs? LogProbs);

/// <summary>Legacy completions log-probabilities: parallel arrays per token.</summary>
internal sealed record TextLogProbs(
    [property: JsonPropertyName("tokens")] IReadOnlyList<string> Tokens,
    [property: JsonPropertyName("token_logprobs")] IReadOnlyList<float> TokenLogProbs,
    [property: JsonPropertyName("top_logprobs")] IReadOnlyList<IReadOnlyDictionary<string, float>> TopLogProbs,
    [property: JsonPropertyName("text_offset")] IReadOnlyList<int> TextOffset);

/// <summary><c>GET /v1/models</c>.</summary>
internal sealed record ModelList([property: JsonPropertyName("data")] IReadOnlyList<ModelCard> Data)
{
    [JsonPropertyName("object")] public string Object { get; init; } = "list";
}

internal sealed record ModelCard(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("meta")] ModelMeta Meta)
{
    [JsonPropertyName("object")] public string Object { get; init; } = "model";
    [JsonPropertyName("owned_by")] public string OwnedBy { get; init; } = "starchat";

    /// <summary>For a LoRA adapter: the base model it runs on (vLLM's <c>parent</c>); null for the base model.</summary>
    [JsonPropertyName("parent"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Parent { get; init; }
}

/// <summary>llama.cpp-style extras: vocabulary, context, parameter count.</summary>
internal sealed record ModelMeta(
    [property: JsonPropertyName("n_vocab")] int VocabSize,
    [property: JsonPropertyName("n_ctx_train")] int TrainedContext,
    [property: JsonPropertyName("n_ctx")] int Context,
    [property: JsonPropertyName("n_embd")] int EmbeddingSize,
    [property: JsonPropertyName("n_params")] long Parameters);

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
internal sealed record OpenAiError([property: JsonPropertyName("error")] OpenAiErrorBody Error);

internal sealed record OpenAiErrorBody(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] object? Code);
