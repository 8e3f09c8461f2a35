using System.Text.Encodings.Web;
using System.Text.Json;
using StarChat.Evaluation.LmEval.Running;

namespace StarChat.Evaluation.LmEval.Reports;

/// <summary>
/// Per-document JSON Lines: <c>task</c>, <c>doc_id</c> (row in file order), <c>shuffled_position</c>,
/// <c>fewshot_indices</c>, <c>context</c>, <c>requests</c> (each with <c>continuation</c>, <c>continuation_ids</c>,
/// <c>loglikelihood</c>, <c>is_greedy</c>, <c>token_logprobs</c>, <c>input_len</c>, <c>truncated_tokens</c>, and its own
/// <c>context</c> only where it differs from the document's, as in Winogrande), <c>generation</c>, <c>metrics</c>, then
/// the task's prediction fields (gold, pred_acc, …).
/// </summary>
public static class DocumentsJsonl
{
    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Appends one line per document to <paramref name="writer"/>.</summary>
    public static void Write(TextWriter writer, IEnumerable<DocumentRecord> documents)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(documents);
        using var buffer = new MemoryStream();
        foreach (var doc in documents)
        {
            buffer.SetLength(0);
            using (var w = new Utf8JsonWriter(buffer, s_options))
                WriteDocument(w, doc);
            writer.Write(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            writer.Write('\n');
        }
    }

    private static void WriteDocument(Utf8JsonWriter w, DocumentRecord doc)
    {
        w.WriteStartObject();
        w.WriteString("task", doc.Task);
        w.WriteNumber("doc_id", doc.DocId);
        w.WriteNumber("shuffled_position", doc.ShuffledPosition);
        w.WriteStartArray("fewshot_indices");
        foreach (int i in doc.FewShotIndices) w.WriteNumberValue(i);
        w.WriteEndArray();
        w.WriteString("context", doc.Context);
        w.WriteStartArray("requests");
        foreach (var r in doc.Requests)
        {
            w.WriteStartObject();
            if (r.Context != doc.Context) w.WriteString("context", r.Context);
            w.WriteString("continuation", r.Continuation);
            w.WriteStartArray("continuation_ids");
            foreach (int id in r.ContinuationIds) w.WriteNumberValue(id);
            w.WriteEndArray();
            Number(w, "loglikelihood", r.Result.LogLikelihood);
            w.WriteBoolean("is_greedy", r.Result.IsGreedy);
            w.WriteStartArray("token_logprobs");
            foreach (double lp in r.Result.TokenLogProbs)
            {
                if (double.IsFinite(lp)) w.WriteNumberValue(lp); else w.WriteNullValue();
            }
            w.WriteEndArray();
            w.WriteNumber("input_len", r.Result.InputLength);
            w.WriteNumber("truncated_tokens", r.Result.TruncatedTokens);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (doc.Generation is { } g)
        {
            w.WriteStartObject("generation");
            w.WriteNumber("prompt_tokens", g.PromptTokens);
            w.WriteNumber("input_len", g.Output.InputLength);
            w.WriteNumber("prompt_truncated_tokens", g.Output.PromptTruncatedTokens);
            w.WriteStartArray("generated_ids");
            foreach (int id in g.Output.GeneratedIds) w.WriteNumberValue(id);
            w.WriteEndArray();
            w.WriteString("stop_reason", g.Output.StopReason);
            w.WriteString("response", g.Output.Response);
            w.WriteEndObject();
        }
        w.WriteStartObject("metrics");
        foreach (var (name, value) in doc.Metrics) Number(w, name, value);
        w.WriteEndObject();
        foreach (var (name, value) in doc.Predictions)
        {
            if (name == "response") continue;   // already under generation
            w.WritePropertyName(name);
            Value(w, value);
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// A prediction field: the tasks put in numbers, strings, flags and sequences of them. Written by hand rather than
    /// by the serializer's reflection, which a native AOT build lacks.
    /// </summary>
    private static void Value(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case double d: w.WriteNumberValue(d); break;
            case float f: w.WriteNumberValue(f); break;
            case System.Collections.IEnumerable items:
                w.WriteStartArray();
                foreach (var item in items) Value(w, item);
                w.WriteEndArray();
                break;
            default: throw new NotSupportedException($"a prediction field of type {value.GetType()} has no JSON form");
        }
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value); else w.WriteNull(name);
    }
}
