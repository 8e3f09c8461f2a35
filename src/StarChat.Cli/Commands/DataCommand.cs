using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using StarChat.Generation.Text;
using StarChat.Training.Data;

namespace StarChat.Cli.Commands;

/// <summary><c>starchat data prepare</c>: dialogues → masked, tokenized training and test splits.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model("Model folder, tokenizer.json or .gguf file whose tokenizer (and dialogue_template.json) to use");
        var input = new Option<FileInfo>("--input", "-i") { Description = "JSON Lines: {\"messages\": [...]}, OpenAssistant message trees, or Alpaca {instruction, input, output}", Required = true };
        var format = new Option<string>("--format") { Description = "Training format: starchat or alpaca", DefaultValueFactory = _ => "starchat" };
        format.AcceptOnlyFromAmong("starchat", "alpaca");
        var system = new Option<string?>("--system") { Description = "System prompt for dialogues that have none" };
        var blockSize = new Option<int>("--block-size") { Description = "Longest sequence written; longer dialogues are truncated (or packed)", DefaultValueFactory = _ => 1024 };
        var pack = new Option<bool>("--pack") { Description = "Concatenate dialogues and cut them into blocks of --block-size instead of truncating each" };
        var testSplit = new Option<double>("--test-split") { Description = "Share of dialogues held out for evaluation (the last ones); 0 puts all in train", DefaultValueFactory = _ => 0.1 };
        var shuffle = new Option<int?>("--shuffle") { Description = "Shuffle the dialogues with this seed before splitting (default: input order)" };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Output folder: train.jsonl, test.jsonl, stats.json, trl/", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the statistics as JSON" };
        var prepare = new Command("prepare", "Tokenize dialogues for fine-tuning, with every user turn masked out of the loss.")
        {
            model, input, format, system, blockSize, pack, testSplit, shuffle, output, json,
        };
        prepare.SetAction(parse =>
        {
            var context = CliContext.From(parse);
            return CliErrors.Run(context, () =>
            {
                var text = ModelTokenizer.Load(CommonOptions.RequireModel(parse.GetValue(model)));
                var options = new DataPreparationOptions
                {
                    InputPath = parse.GetValue(input)!.FullName,
                    OutputFolder = parse.GetValue(output)!.FullName,
                    Format = parse.GetValue(format) == "alpaca" ? DialogueFormat.Alpaca : DialogueFormat.StarChat,
                    System = parse.GetValue(system),
                    BlockSize = parse.GetValue(blockSize),
                    Pack = parse.GetValue(pack),
                    TestSplit = parse.GetValue(testSplit),
                    ShuffleSeed = parse.GetValue(shuffle),
                };
                var stats = DatasetPreparation.Run(options, text.Tokenizer, text.Dialogue);
                if (parse.GetValue(json))
                    context.Out.WriteLine(stats.ToJson());
                else
                    Report(context, stats, options.OutputFolder);
                return ExitCodes.Ok;
            });
        });
        return new Command("data", "Prepare training data.") { prepare };
    }

    private static void Report(CliContext context, DatasetStatistics s, string folder)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn(new TableColumn("").RightAligned());
        table.ShowHeaders = false;
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));
        Row("dialogues read", $"{s.Dialogues}");
        Row("skipped: empty", $"{s.SkippedEmpty}");
        Row("skipped: no assistant turn", $"{s.SkippedNoAssistant}");
        Row("skipped: assistant beyond the block", $"{s.SkippedAssistantBeyondBlock}");
        Row($"truncated to {s.BlockSize} tokens", $"{s.Truncated} ({s.TruncatedTokens} tokens cut)");
        Row("train / test dialogues", $"{s.TrainDialogues} / {s.TestDialogues}");
        Row(s.Packed ? "train / test blocks" : "train / test examples", $"{s.TrainExamples} / {s.TestExamples}");
        Row("tokens", $"{s.Tokens}");
        Row("masked (user turns)", string.Create(CultureInfo.InvariantCulture, $"{s.MaskedTokens} ({s.MaskedShare:P1})"));
        context.Console.Write(table);
        context.Out.WriteLine($"wrote {Path.Combine(folder, DatasetPreparation.TrainFile)}, {DatasetPreparation.TestFile}, {DatasetPreparation.StatisticsFile} and trl/ (TRL conversational format)");
    }
}
