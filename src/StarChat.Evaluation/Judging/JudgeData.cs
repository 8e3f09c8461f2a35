using System.Text.Json;
using System.Text.Json.Serialization;
using StarChat.Evaluation.CodeTasks;

namespace StarChat.Evaluation.Judging;

/// <summary>A benchmark question (FastChat <c>question.jsonl</c>: <c>question_id, category, turns</c>; 2023 files: <c>text</c>).</summary>
/// <param name="Id">question_id.</param>
/// <param name="Category">Category (<c>coding</c>, <c>math</c>, <c>writing</c>…).</param>
/// <param name="Turns">User turns.</param>
public sealed record JudgeQuestion(string Id, string Category, IReadOnlyList<string> Turns)
{
    /// <summary>Categories FastChat judges against a reference answer.</summary>
    public static IReadOnlySet<string> ReferenceCategories { get; } = new HashSet<string>(StringComparer.Ordinal) { "math", "reasoning", "coding", "arena-hard-200" };

    /// <summary>Reads a question file.</summary>
    /// <exception cref="InvalidDataException">A row has no id or no turns.</exception>
    public static IReadOnlyList<JudgeQuestion> Load(string path)
        => [.. ProblemFile.ReadObjects(path).Select(r => new JudgeQuestion(
            ProblemFile.RequireId(r.Row, "question_id", path, r.Line),
            ProblemFile.OptionalString(r.Row, "category") ?? "general",
            r.Row.TryGetProperty("turns", out _) ? ProblemFile.RequireStrings(r.Row, "turns", path, r.Line) : [ProblemFile.RequireString(r.Row, "text", path, r.Line)]))];
}

/// <summary>One model's answer to a question: FastChat's answer-file row.</summary>
public sealed record AnswerRecord
{
    /// <summary>question_id.</summary>
    [JsonPropertyName("question_id")] public required JsonElement QuestionId { get; init; }

    /// <summary>Random id of the answer.</summary>
    [JsonPropertyName("answer_id")] public string AnswerId { get; init; } = "";

    /// <summary>Model name.</summary>
    [JsonPropertyName("model_id")] public string ModelId { get; init; } = "";

    /// <summary>Choices (FastChat writes one), each with the assistant's turns.</summary>
    [JsonPropertyName("choices")] public IReadOnlyList<AnswerChoice> Choices { get; init; } = [];

    /// <summary>Unix time of the answer.</summary>
    [JsonPropertyName("tstamp")] public double Timestamp { get; init; }

    /// <summary>The question id as text (files use numbers or strings).</summary>
    [JsonIgnore] public string Id => QuestionId.ValueKind == JsonValueKind.String ? QuestionId.GetString()! : QuestionId.GetRawText();

    /// <summary>The first choice's turns.</summary>
    [JsonIgnore] public IReadOnlyList<string> Turns => Choices.Count > 0 ? Choices[0].Turns : [];
}

/// <summary>One choice of an answer.</summary>
/// <param name="Index">Index.</param>
/// <param name="Turns">Assistant turns.</param>
public sealed record AnswerChoice([property: JsonPropertyName("index")] int Index, [property: JsonPropertyName("turns")] IReadOnlyList<string> Turns);

/// <summary>Reads answer files (FastChat layout; the reference answers use it too).</summary>
public static class AnswerFile
{
    /// <summary>Answers by question id (a later row for the same id wins).</summary>
    /// <exception cref="InvalidDataException">A line is not an answer row; the message names it.</exception>
    public static IReadOnlyDictionary<string, AnswerRecord> Load(string path)
    {
        var answers = new Dictionary<string, AnswerRecord>(StringComparer.Ordinal);
        foreach (var (line, row) in ProblemFile.ReadObjects(path))
        {
            AnswerRecord? record;
            try
            {
                record = row.Deserialize(EvaluationJsonContext.Default.AnswerRecord);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: line {line}: not a FastChat answer row ({e.Message})", e);
            }
            if (record is null || record.Turns.Count == 0)
                throw new InvalidDataException($"{path}: line {line}: answer has no choices[0].turns");
            answers[record.Id] = record;
        }
        return answers;
    }
}
