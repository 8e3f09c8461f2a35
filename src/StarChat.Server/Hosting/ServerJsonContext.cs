using System.Text.Json.Serialization;
using StarChat.Server.OpenAi;
using StarChat.Server.Tgi;

namespace StarChat.Server.Hosting;

/// <summary>
/// Compile-time JSON metadata for every request body the server reads and every reply it writes. It is the server's
/// only resolver (<see cref="ServerJson.Configure"/>), so a type left out fails in every build, not just in the
/// native AOT one, which has no reflection to fall back on.
/// </summary>
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(TgiGenerateRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(TextCompletion))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(OpenAiError))]
[JsonSerializable(typeof(TgiGenerateResponse))]
[JsonSerializable(typeof(TgiGenerateResponse[]))]
[JsonSerializable(typeof(TgiStreamEvent))]
[JsonSerializable(typeof(TgiInfo))]
[JsonSerializable(typeof(TgiError))]
[JsonSerializable(typeof(HealthStatus))]
// Runtime types of the object-typed fields (an error's code).
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
