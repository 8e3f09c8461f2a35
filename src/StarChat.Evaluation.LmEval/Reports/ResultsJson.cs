using System.Text.Encodings.Web;
using System.Text.Json;
using StarChat.Evaluation.LmEval.Running;

namespace StarChat.Evaluation.LmEval.Reports;

/// <summary>
/// The summary JSON in the harness's results layout: <c>results</c> (task → metric → value, with
/// <c>metric_stderr</c>), <c>versions</c>, <c>config</c>; plus a <c>starchat</c> section with per-task shots,
/// document counts, truncated documents, data notes and timing. NaN (a stderr of one document) is written as null.
/// </summary>
public static class ResultsJson
{
    private static readonly JsonWriterOptions s_options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the summary to <paramref name="path"/>.</summary>
    public static void Write(string path, RunSummary summary)
    {
        using var stream = File.Create(path);
        Write(stream, summary);
    }

    /// <summary>Writes the summary to a stream.</summary>
    public static void Write(Stream stream, RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        using var w = new Utf8JsonWriter(stream, s_options);
        w.WriteStartObject();
        w.WriteStartObject("results");
        foreach (var task in summary.Tasks)
            WriteMetrics(w, task.Task, task.Metrics);
        foreach (var group in summary.Groups)
            WriteMetrics(w, group.Name, group.Metrics);
        w.WriteEndObject();

        w.WriteStartObject("versions");
        foreach (var task in summary.Tasks)
            w.WriteNumber(task.Task, task.Version);
        w.WriteEndObject();

        w.WriteStartObject("config");
        w.WriteString("model", summary.Model);
        if (summary.NumFewShot is { } shots) w.WriteNumber("num_fewshot", shots); else w.WriteNull("num_fewshot");
        w.WriteNumber("batch_size", summary.Batch);
        if (summary.Limit is { } limit) w.WriteNumber("limit", limit); else w.WriteNull("limit");
        w.WriteNumber("max_length", summary.MaxLength);
        w.WriteString("harness", "EleutherAI/lm-evaluation-harness b281b0921b636bc36ad05c0b0b0763bd6dd43463 (reproduced)");
        w.WriteEndObject();

        w.WriteStartObject("starchat");
        w.WriteNumber("elapsed_seconds", Math.Round(summary.Elapsed.TotalSeconds, 3));
        w.WriteStartObject("tasks");
        foreach (var task in summary.Tasks)
        {
            w.WriteStartObject(task.Task);
            w.WriteNumber("num_fewshot", task.FewShot);
            w.WriteNumber("n_docs", task.Documents.Count);
            w.WriteNumber("truncated_documents", task.TruncatedDocuments);
            w.WriteString("leaderboard_metric", task.LeaderboardMetric);
            if (task.Group is not null) w.WriteString("group", task.Group);
            w.WriteNumber("elapsed_seconds", Math.Round(task.Elapsed.TotalSeconds, 3));
            w.WriteNumber("docs_per_second", Math.Round(task.DocumentsPerSecond, 3));
            w.WriteNumber("encode_seconds", Math.Round(task.EncodeTime.TotalSeconds, 3));
            w.WriteStartArray("data_notes");
            foreach (var note in task.DataNotes) w.WriteStringValue(note);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteMetrics(Utf8JsonWriter w, string name, IReadOnlyList<MetricValue> metrics)
    {
        w.WriteStartObject(name);
        foreach (var m in metrics)
        {
            Number(w, m.Name, m.Value);
            Number(w, m.Name + "_stderr", m.Stderr);
        }
        w.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value); else w.WriteNull(name);
    }
}
