using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using StarChat.Evaluation.Judging;
using StarChat.Evaluation.Running;

namespace StarChat.Evaluation;

/// <summary>
/// Compile-time JSON metadata for every record the evaluation writes or reads (JSON lines, run.json, summaries) and
/// for endpoint bodies, so that no serializer call needs reflection (a native AOT build has none).
/// </summary>
[JsonSerializable(typeof(RunSettings))]
[JsonSerializable(typeof(SampleInput))]
[JsonSerializable(typeof(SampleResult))]
[JsonSerializable(typeof(EvaluationSummary))]
[JsonSerializable(typeof(AnswerRecord))]
[JsonSerializable(typeof(JudgmentRecord))]
[JsonSerializable(typeof(JudgeSummary))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
internal sealed partial class EvaluationJsonContext : JsonSerializerContext;
