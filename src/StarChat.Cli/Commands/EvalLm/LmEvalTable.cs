using System.Globalization;
using Spectre.Console;
using StarChat.Evaluation.LmEval.Running;

namespace StarChat.Cli.Commands.EvalLm;

/// <summary>The terminal table of an <c>eval lm</c> run: one row per metric of each task, then the group averages.</summary>
internal static class LmEvalTable
{
    public static Table Build(RunSummary summary)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Task", "Version", "Shots", "Metric", "Value", "± Stderr", "Docs", "Truncated", "docs/s");
        foreach (var t in summary.Tasks)
        {
            bool first = true;
            foreach (var m in t.Metrics)
            {
                table.AddRow(
                    first ? Markup.Escape(t.Task) : "", first ? t.Version.ToString(CultureInfo.InvariantCulture) : "",
                    first ? t.FewShot.ToString(CultureInfo.InvariantCulture) : "", Name(m.Name, t.LeaderboardMetric), F(m.Value), F(m.Stderr),
                    first ? t.Documents.Count.ToString(CultureInfo.InvariantCulture) : "",
                    first ? t.TruncatedDocuments.ToString(CultureInfo.InvariantCulture) : "",
                    first ? t.DocumentsPerSecond.ToString("F2", CultureInfo.InvariantCulture) : "");
                first = false;
            }
        }
        foreach (var g in summary.Groups)
        {
            foreach (var m in g.Metrics)
            {
                table.AddRow($"[bold]{Markup.Escape(g.Name)}[/] (mean of {g.TaskCount})", "", g.FewShot.ToString(CultureInfo.InvariantCulture),
                    Name(m.Name, g.LeaderboardMetric), F(m.Value), F(m.Stderr), g.DocumentCount.ToString(CultureInfo.InvariantCulture), "", "");
            }
        }
        return table;
    }

    private static string Name(string metric, string leaderboard) => metric == leaderboard ? $"[blue]{metric}[/]" : metric;

    private static string F(double v) => double.IsFinite(v) ? v.ToString("F4", CultureInfo.InvariantCulture) : "–";
}
