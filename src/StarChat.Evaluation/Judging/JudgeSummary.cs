using System.Globalization;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace StarChat.Evaluation.Judging;

/// <summary>Win/tie/loss of model A against model B and average scores, with the count of unreadable verdicts.</summary>
public sealed record JudgeSummary
{
    /// <summary>Mode.</summary>
    [JsonPropertyName("mode")] public required string Mode { get; init; }

    /// <summary>Model A.</summary>
    [JsonPropertyName("model_a")] public string ModelA { get; init; } = "";

    /// <summary>Model B.</summary>
    [JsonPropertyName("model_b")] public string? ModelB { get; init; }

    /// <summary>Judgments in total.</summary>
    [JsonPropertyName("judgments")] public int Judgments { get; init; }

    /// <summary>Judgments with at least one unreadable verdict (excluded from the rates, as FastChat does).</summary>
    [JsonPropertyName("errors")] public int Errors { get; init; }

    /// <summary>Model A better.</summary>
    [JsonPropertyName("wins")] public int Wins { get; init; }

    /// <summary>Ties (including order-dependent verdicts).</summary>
    [JsonPropertyName("ties")] public int Ties { get; init; }

    /// <summary>Model B better.</summary>
    [JsonPropertyName("losses")] public int Losses { get; init; }

    /// <summary>Mean score per model (single, scores).</summary>
    [JsonPropertyName("mean_scores")] public IReadOnlyDictionary<string, double> MeanScores { get; init; } = new Dictionary<string, double>();

    /// <summary>Win rate of A over readable judgments, ties counting half.</summary>
    [JsonPropertyName("win_rate")] public double? WinRate => Wins + Ties + Losses == 0 ? null : (Wins + 0.5 * Ties) / (Wins + Ties + Losses);

    /// <summary>Summarises judgments.</summary>
    public static JudgeSummary From(string mode, IReadOnlyList<JudgmentRecord> judgments)
    {
        var readable = judgments.Where(j => j.Winner is not null && j.Winner != "error").ToList();
        var scores = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        void add(string model, double? s)
        {
            if (s is not { } v || v < 0) return;
            if (!scores.TryGetValue(model, out var list)) scores[model] = list = [];
            list.Add(v);
        }
        foreach (var j in judgments)
        {
            add(j.ModelA, j.ScoreA);
            if (j.ModelB is not null) add(j.ModelB, j.ScoreB);
        }
        int errors = mode == "single" ? judgments.Count(j => j.ScoreA is null or < 0) : judgments.Count(j => j.Winner == "error");
        return new JudgeSummary
        {
            Mode = mode,
            ModelA = judgments.Count > 0 ? judgments[0].ModelA : "",
            ModelB = judgments.FirstOrDefault(j => j.ModelB is not null)?.ModelB,
            Judgments = judgments.Count,
            Errors = errors,
            Wins = readable.Count(j => j.Winner == "model_a"),
            Ties = readable.Count(j => j.Winner == "tie"),
            Losses = readable.Count(j => j.Winner == "model_b"),
            MeanScores = scores.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value.Average(), 3)),
        };
    }

    /// <summary>Writes the table to a terminal.</summary>
    public void Write(IAnsiConsole console)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]judge: {Markup.Escape(Mode)}[/]");
        table.AddColumn("");
        table.AddColumn(new TableColumn("value").RightAligned());
        if (Mode != "single")
        {
            table.AddRow(Markup.Escape($"{ModelA} wins"), Wins.ToString(CultureInfo.InvariantCulture));
            table.AddRow("ties", Ties.ToString(CultureInfo.InvariantCulture));
            table.AddRow(Markup.Escape($"{ModelB} wins"), Losses.ToString(CultureInfo.InvariantCulture));
            if (WinRate is { } rate) table.AddRow(Markup.Escape($"{ModelA} win rate"), (rate * 100).ToString("F1", CultureInfo.InvariantCulture) + "%");
        }
        foreach (var (model, mean) in MeanScores)
            table.AddRow(Markup.Escape($"mean score {model}"), mean.ToString("F2", CultureInfo.InvariantCulture));
        table.AddRow("judgments", Judgments.ToString(CultureInfo.InvariantCulture));
        table.AddRow("unparseable", Errors.ToString(CultureInfo.InvariantCulture));
        console.Write(table);
    }
}
