using System.Globalization;
using System.Net;
using System.Text;
using StarChat.Evaluation.Running;

namespace StarChat.Evaluation.Reports;

/// <summary>
/// A self-contained HTML report (no scripts, fonts or images from elsewhere): the summary, an inline SVG chart of the
/// pass rate of every problem, and the failing samples with their result strings.
/// </summary>
public static class HtmlReport
{
    /// <summary>Failing samples listed in full; the rest are counted.</summary>
    public const int MaxListedFailures = 200;

    /// <summary>Renders the report.</summary>
    public static string Render(EvaluationSummary summary, IReadOnlyList<SampleResult> results)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(E($"{summary.Task} — StarChat evaluation")).Append("</title>\n<style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}")
            .Append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}pre{white-space:pre-wrap;background:#f6f6f6;padding:6px}")
            .Append(".bar{fill:#4c8bf5}.zero{fill:#e0e0e0}svg text{font-size:10px}</style></head><body>\n");
        html.Append("<h1>").Append(E(summary.Task)).Append("</h1>\n<table>\n");
        foreach (var (k, v) in summary.PassAtK)
            Row(html, k, (v * 100).ToString("F2", CultureInfo.InvariantCulture) + "%");
        Row(html, "problems", summary.Problems.ToString(CultureInfo.InvariantCulture));
        Row(html, "samples", summary.Samples.ToString(CultureInfo.InvariantCulture));
        foreach (var (kind, count) in summary.Outcomes)
            Row(html, kind, count.ToString(CultureInfo.InvariantCulture));
        Row(html, "source", summary.Source);
        Row(html, "sandbox", summary.Sandbox);
        Row(html, "run", $"{summary.ExecutedNow} programs in {summary.Seconds:F1} s ({summary.ProgramsPerSecond:F2}/s, {summary.Workers} workers)");
        html.Append("</table>\n<h2>Pass rate per problem</h2>\n");
        html.Append(Chart(summary.PerProblem));
        var failures = results.Where(r => !r.Passed).OrderBy(r => r.TaskId, StringComparer.Ordinal).ThenBy(r => r.Sample).ToList();
        html.Append("<h2>Failing samples (").Append(failures.Count.ToString(CultureInfo.InvariantCulture)).Append(")</h2>\n");
        foreach (var r in failures.Take(MaxListedFailures))
        {
            html.Append("<details><summary>").Append(E($"{r.TaskId} #{r.Sample}: {r.Result}")).Append("</summary><pre>")
                .Append(E(r.Completion)).Append("</pre></details>\n");
        }
        if (failures.Count > MaxListedFailures)
            html.Append("<p>… and ").Append((failures.Count - MaxListedFailures).ToString(CultureInfo.InvariantCulture)).Append(" more in results.jsonl</p>\n");
        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>One bar per problem, height = pass rate; a thin grey bar marks problems no sample solved.</summary>
    internal static string Chart(IReadOnlyList<ProblemSummary> problems)
    {
        const int height = 160, top = 10, left = 36, barWidth = 6, gap = 1;
        int width = left + Math.Max(1, problems.Count) * (barWidth + gap) + 10;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height + top + 30}\" role=\"img\" aria-label=\"pass rate per problem\">\n");
        foreach (double tick in new[] { 0.0, 0.5, 1.0 })
        {
            double y = top + height * (1 - tick);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left - 4}\" y1=\"{y:F1}\" x2=\"{width - 10}\" y2=\"{y:F1}\" stroke=\"#ddd\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"2\" y=\"{y + 3:F1}\">{tick * 100:F0}%</text>\n");
        }
        for (int i = 0; i < problems.Count; i++)
        {
            var p = problems[i];
            double h = Math.Max(p.PassRate * height, p.PassRate == 0 ? 2 : 0);
            double x = left + i * (barWidth + gap);
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect class=\"{(p.PassRate == 0 ? "zero" : "bar")}\" x=\"{x:F1}\" y=\"{top + height - h:F1}\" width=\"{barWidth}\" height=\"{h:F1}\"><title>{E($"{p.TaskId}: {p.Passed}/{p.Samples}")}</title></rect>\n");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{top + height + 20}\">{problems.Count} problems, in data-set order (hover a bar for its id)</text>\n</svg>\n");
        return svg.ToString();
    }

    private static void Row(StringBuilder html, string key, string value)
        => html.Append("<tr><th>").Append(E(key)).Append("</th><td>").Append(E(value)).Append("</td></tr>\n");

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
