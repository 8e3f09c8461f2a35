using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace StarChat.Cli.Commands.Info;

/// <summary>Renders a <see cref="ModelReport"/> as Spectre.Console tables or as JSON. Every value is plain text, never markup.</summary>
internal static class ModelReportRenderer
{
    private static readonly CliJsonContext s_json = new(new JsonSerializerOptions { WriteIndented = true });

    public static void WriteJson(ModelReport report, TextWriter output)
        => output.WriteLine(JsonSerializer.Serialize(report, s_json.ModelReport));

    public static void WriteTables(ModelReport report, TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 160;

        var summary = KeyValueTable("Model");
        Row(summary, "path", report.Path);
        Row(summary, "format", report.Folder ? $"{report.Format} (Hugging Face folder)" : report.Format);
        if (report.Files.Count > 1 || report.Folder)
            Row(summary, "files", string.Join("\n", report.Files.Select(Path.GetFileName)));
        Row(summary, "architecture", report.Architecture ?? "(not a complete GPTBigCode model)");
        Row(summary, "file type", report.FileType);
        Row(summary, "tensors", $"{report.TensorCount} ({FormatBytes(report.TotalBytes)})");
        foreach (var (key, value) in report.Properties)
            Row(summary, key, value);
        console.Write(summary);

        if (report.HyperParameters is { } h)
        {
            var table = KeyValueTable("Hyper-parameters");
            Row(table, "vocab_size", Num(h.VocabSize));
            Row(table, "n_positions", Num(h.ContextLength));
            Row(table, "n_embd", Num(h.EmbeddingSize));
            Row(table, "n_layer", Num(h.LayerCount));
            Row(table, "n_head", Num(h.HeadCount));
            Row(table, "n_head_kv", $"{Num(h.KvHeadCount)}{(h.KvHeadCount == 1 ? " (multi-query)" : "")}");
            Row(table, "head_dim", Num(h.HeadDim));
            Row(table, "n_inner", Num(h.FeedForwardSize));
            Row(table, "layer_norm_epsilon", h.LayerNormEpsilon.ToString("R", CultureInfo.InvariantCulture));
            Row(table, "activation_function", h.Activation);
            Row(table, "tie_word_embeddings", h.TieWordEmbeddings ? "true" : "false");
            Row(table, "bos_token_id", Num(h.BosTokenId));
            Row(table, "eos_token_id", string.Join(", ", h.EosTokenIds));
            console.Write(table);
        }

        var tok = KeyValueTable("Tokenizer");
        if (report.Tokenizer is { } t)
        {
            Row(tok, "source", t.Source);
            if (t.Model is not null) Row(tok, "model", t.Model);
            if (t.PreTokenizer is not null) Row(tok, "pre-tokenizer", t.PreTokenizer);
            Row(tok, "size", Num(t.Size));
            if (t.MergeCount is { } merges) Row(tok, "merges", Num(merges));
            Row(tok, "chat template", t.ChatTemplate ? "present" : "absent");
            Row(tok, "special tokens", string.Join("\n", t.SpecialTokens.Select(s => $"{s.Id} {s.Text}{(s.Roles.Count > 0 ? $" ({string.Join("/", s.Roles)})" : "")}")));
        }
        else
        {
            Row(tok, "source", "none found beside the weights");
        }
        console.Write(tok);

        if (report.Notes.Count > 0)
        {
            var notes = KeyValueTable("Notes");
            foreach (var note in report.Notes)
                Row(notes, "•", note);
            console.Write(notes);
        }

        var tensors = new Table { Title = new TableTitle("Tensors"), Border = TableBorder.Simple };
        tensors.AddColumn("name").AddColumn("type").AddColumn("shape").AddColumn(new TableColumn("bytes").RightAligned());
        foreach (var row in report.Tensors)
            tensors.AddRow(Cell(row.Name), Cell(row.Type), Cell($"[{string.Join(", ", row.Shape)}]"), Cell(Num(row.Bytes)));
        console.Write(tensors);
    }

    private static Table KeyValueTable(string title)
    {
        var table = new Table { Title = new TableTitle(title), Border = TableBorder.Simple, ShowHeaders = false };
        table.AddColumn("key").AddColumn("value");
        return table;
    }

    private static void Row(Table table, string key, string value) => table.AddRow(Cell(key), Cell(value));

    private static Spectre.Console.Text Cell(string text) => new(text);

    private static string Num(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        _ => $"{Num(bytes)} bytes",
    };
}
