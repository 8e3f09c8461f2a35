using System.Globalization;
using Spectre.Console;
using StarChat.Evaluation.Running;

namespace StarChat.Evaluation.Reports;

/// <summary>The terminal view of a code-task summary: pass@k, outcome counts and how the run went.</summary>
public static class SummaryTable
{
    /// <summary>Writes the summary as a table.</summary>
    public static void Write(IAnsiConsole console, EvaluationSummary summary)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(summary.Task)}[/]");
        table.AddColumn("metric");
        table.AddColumn(new TableColumn("value").RightAligned());
        foreach (var (k, v) in summary.PassAtK)
            table.AddRow(k, (v * 100).ToString("F2", CultureInfo.InvariantCulture) + "%");
        if (summary.PassAtK.Count == 0)
            table.AddRow("pass@k", "[yellow]none: some problem has fewer samples than every k asked[/]");
        table.AddRow("problems", summary.Problems.ToString(CultureInfo.InvariantCulture));
        table.AddRow("samples", summary.Samples.ToString(CultureInfo.InvariantCulture));
        foreach (var (kind, count) in summary.Outcomes)
            table.AddRow($"  {Markup.Escape(kind)}", count.ToString(CultureInfo.InvariantCulture));
        table.AddRow("source", Markup.Escape(summary.Source));
        table.AddRow("run", Markup.Escape($"{summary.ExecutedNow} programs in {summary.Seconds:F1} s ({summary.ProgramsPerSecond:F2}/s, {summary.Workers} workers)"));
        table.AddRow("sandbox", Markup.Escape(summary.Sandbox));
        console.Write(table);
    }
}
