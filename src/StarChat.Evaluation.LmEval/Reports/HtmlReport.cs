using System.Globalization;
using System.Net;
using System.Text;
using StarChat.Evaluation.LmEval.Running;

namespace StarChat.Evaluation.LmEval.Reports;

/// <summary>
/// A self-contained HTML page (inline CSS, no scripts): the settings, one row per task and group with each metric and
/// its standard error, data notes, and the first documents of each task with gold and predicted answers. Meant to be
/// replaced by the report shared with the code-evaluation tasks.
/// </summary>
public static class HtmlReport
{
    /// <summary>Documents shown per task.</summary>
    public const int SampleDocuments = 10;

    /// <summary>Writes the report to <paramref name="path"/>.</summary>
    public static void Write(string path, RunSummary summary) => File.WriteAllText(path, Render(summary));

    /// <summary>The report as a string.</summary>
    public static string Render(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>lm-eval: ").Append(E(summary.Model)).Append("</title>\n")
         .Append("<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:1em 0}")
         .Append("td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}")
         .Append("td.n{text-align:right;font-variant-numeric:tabular-nums}tr.group{font-weight:bold;background:#fafafa}")
         .Append("pre{white-space:pre-wrap;max-height:12em;overflow:auto;background:#f8f8f8;padding:.4em;margin:0}.lb{color:#06c}</style></head><body>\n");
        h.Append("<h1>Open LLM Leaderboard tasks</h1>\n<p>Model: <code>").Append(E(summary.Model)).Append("</code> · max_length ")
         .Append(summary.MaxLength).Append(" · batch ").Append(summary.Batch)
         .Append(summary.Limit is { } l ? $" · limit {l}" : "").Append(" · ").Append(F(summary.Elapsed.TotalSeconds, 1)).Append(" s</p>\n")
         .Append("<p>Scored as EleutherAI lm-evaluation-harness b281b09 (the leaderboard v1 commit) does. The leaderboard's metric is in <span class=\"lb\">blue</span>.</p>\n");

        h.Append("<table><tr><th>Task</th><th>Shots</th><th>Docs</th><th>Metric</th><th>Value</th><th>± stderr</th><th>Truncated</th><th>docs/s</th></tr>\n");
        foreach (var t in summary.Tasks)
        {
            foreach (var (m, i) in t.Metrics.Select((m, i) => (m, i)))
            {
                h.Append("<tr>");
                if (i == 0)
                {
                    int span = t.Metrics.Count;
                    h.Append($"<td rowspan=\"{span}\">").Append(E(t.Task)).Append($"</td><td class=\"n\" rowspan=\"{span}\">").Append(t.FewShot)
                     .Append($"</td><td class=\"n\" rowspan=\"{span}\">").Append(t.Documents.Count).Append("</td>");
                }
                AppendMetric(h, m, m.Name == t.LeaderboardMetric);
                if (i == 0)
                {
                    int span = t.Metrics.Count;
                    h.Append($"<td class=\"n\" rowspan=\"{span}\">").Append(t.TruncatedDocuments).Append($"</td><td class=\"n\" rowspan=\"{span}\">")
                     .Append(F(t.DocumentsPerSecond, 2)).Append("</td>");
                }
                h.Append("</tr>\n");
            }
        }
        foreach (var g in summary.Groups)
        {
            foreach (var m in g.Metrics)
            {
                h.Append("<tr class=\"group\"><td>").Append(E(g.Name)).Append($" (mean of {g.TaskCount})</td><td class=\"n\">").Append(g.FewShot)
                 .Append("</td><td class=\"n\">").Append(g.DocumentCount).Append("</td>");
                AppendMetric(h, m, m.Name == g.LeaderboardMetric);
                h.Append("<td></td><td></td></tr>\n");
            }
        }
        h.Append("</table>\n");

        var notes = summary.Tasks.SelectMany(t => t.DataNotes.Select(n => (t.Task, n))).ToList();
        if (notes.Count > 0)
        {
            h.Append("<h2>Data notes</h2><ul>\n");
            foreach (var (task, note) in notes)
                h.Append("<li><b>").Append(E(task)).Append("</b>: ").Append(E(note)).Append("</li>\n");
            h.Append("</ul>\n");
        }

        h.Append("<h2>Sample documents</h2>\n");
        foreach (var t in summary.Tasks)
        {
            h.Append("<details><summary>").Append(E(t.Task)).Append("</summary><table><tr><th>doc_id</th><th>Prompt (end)</th><th>Gold / prediction</th><th>Metrics</th></tr>\n");
            foreach (var d in t.Documents.Take(SampleDocuments))
            {
                string tail = d.Context.Length > 600 ? "…" + d.Context[^600..] : d.Context;
                h.Append("<tr><td class=\"n\">").Append(d.DocId).Append("</td><td><pre>").Append(E(tail)).Append("</pre></td><td>");
                foreach (var (k, v) in d.Predictions.Where(p => p.Key is "gold" or "pred_acc" or "pred_acc_norm" or "pred" or "mc1_pred" or "extracted_answer" or "gold_answer"))
                    h.Append(E(k)).Append(": ").Append(E(Convert.ToString(v, CultureInfo.InvariantCulture) ?? "")).Append("<br>");
                h.Append("</td><td>").Append(string.Join("<br>", d.Metrics.Select(m => E(m.Key) + " " + F(m.Value, 3)))).Append("</td></tr>\n");
            }
            h.Append("</table></details>\n");
        }
        h.Append("</body></html>\n");
        return h.ToString();
    }

    private static void AppendMetric(StringBuilder h, MetricValue m, bool leaderboard)
        => h.Append(leaderboard ? "<td class=\"lb\">" : "<td>").Append(E(m.Name)).Append("</td><td class=\"n\">").Append(F(m.Value, 4))
            .Append("</td><td class=\"n\">").Append(F(m.Stderr, 4)).Append("</td>");

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static string F(double v, int digits) => double.IsFinite(v) ? v.ToString("F" + digits, CultureInfo.InvariantCulture) : "–";
}
