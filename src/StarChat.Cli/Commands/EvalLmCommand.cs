using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using StarChat.Cli.Commands.EvalLm;
using StarChat.Evaluation.LmEval;
using StarChat.Evaluation.LmEval.Data;
using StarChat.Evaluation.LmEval.Reports;
using StarChat.Evaluation.LmEval.Running;
using StarChat.Evaluation.LmEval.Tasks;

namespace StarChat.Cli.Commands;

/// <summary>
/// <c>starchat eval lm</c>: Open LLM Leaderboard (v1) tasks scored as lm-evaluation-harness b281b09 scores them, with a
/// local model or an OpenAI-compatible completions endpoint. Writes <c>results.json</c> (harness layout),
/// <c>documents.jsonl</c> and <c>report.html</c> to <c>--out</c> and prints a table.
/// </summary>
internal static class EvalLmCommand
{
    /// <summary>The command definition.</summary>
    public static Command Create()
    {
        var tasks = new Option<string>("--tasks", "-t")
        {
            Description = "Comma-separated tasks, each optionally with :SHOTS (arc_challenge, hellaswag, mmlu, mmlu_SUBJECT, "
                + "hendrycksTest-SUBJECT, truthfulqa_mc, winogrande, gsm8k); 'leaderboard' for all six",
            Required = true,
        };
        var model = CommonOptions.Model();
        var endpoint = new Option<string?>("--endpoint") { Description = "Score through an OpenAI-compatible /v1/completions endpoint (echo + logprobs) instead of a local model" };
        var endpointModel = new Option<string?>("--endpoint-model") { Description = "The 'model' field sent to the endpoint (the served model's name)" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer folder or tokenizer.json (default: the model's; required with --endpoint unless --model names one)" };
        var shots = new Option<int?>("--num-fewshot") { Description = "Shots for every task without its own :N (default: the leaderboard's per task)" };
        var limit = new Option<int?>("--limit") { Description = "Score only the first N documents of each task, in file order" };
        var batch = new Option<int>("--batch") { Description = "Documents scored at once (model replicas sharing the weights, or concurrent endpoint requests)", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Threads in all (0: every core)", DefaultValueFactory = _ => 0 };
        var maxLength = new Option<int?>("--max-length") { Description = "The harness's max_length (default: the model's context; 2048 for an endpoint)" };
        var maxGen = new Option<int>("--max-gen-toks") { Description = "Tokens generated per GSM8K answer", DefaultValueFactory = _ => 256 };
        var genBatch = new Option<int>("--gen-batch") { Description = "GSM8K documents a local worker decodes together (one batched pass per token)", DefaultValueFactory = _ => 8 };
        var data = new Option<string?>("--data")
        {
            Description = "The lm-eval data folder (arc/, hellaswag/, mmlu/, truthfulqa/, winogrande/, gsm8k/)",
            DefaultValueFactory = _ => DefaultPaths.Shared is { } s ? Path.Combine(s, "data", "lm-eval") : null,
        };
        var output = new Option<string>("--out", "-o") { Description = "Folder for results.json, documents.jsonl and report.html", Required = true };

        var command = new Command("lm", "Score Open LLM Leaderboard tasks (ARC, HellaSwag, MMLU, TruthfulQA, Winogrande, GSM8K) as lm-evaluation-harness does.")
        {
            tasks, model, endpoint, endpointModel, tokenizer, shots, limit, batch, threads, maxLength, maxGen, genBatch, data, output,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = CliContext.From(parse);
            var settings = new Settings(
                parse.GetValue(tasks)!, parse.GetValue(model), parse.GetValue(endpoint), parse.GetValue(endpointModel), parse.GetValue(tokenizer),
                parse.GetValue(shots), parse.GetValue(limit), parse.GetValue(batch), parse.GetValue(threads), parse.GetValue(maxLength),
                parse.GetValue(maxGen), parse.GetValue(genBatch), parse.GetValue(data), parse.GetValue(output)!);
            return CliErrors.RunAsync(context, () => Task.FromResult(Execute(context, settings, cancellationToken)));
        });
        return command;
    }

    private sealed record Settings(string Tasks, string? Model, string? Endpoint, string? EndpointModel, string? Tokenizer, int? Shots,
        int? Limit, int Batch, int Threads, int? MaxLength, int MaxGenTokens, int GenerationBatch, string? Data, string Out);

    private static int Execute(CliContext context, Settings s, CancellationToken cancellationToken)
    {
        try
        {
            return Run(context, s, cancellationToken);
        }
        catch (Exception e) when (e is LmEvalException or DataFileException)
        {
            return context.Fail(ExitCodes.BadInput, e.Message,
                e is DataFileException ? "--data must be the lm-eval data folder (shared/data/lm-eval layout)" : null);
        }
    }

    private static int Run(CliContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Batch < 1) throw new LmEvalException("--batch must be at least 1");
        if (s.Limit is < 1) throw new LmEvalException("--limit must be at least 1");
        if (s.Shots is < 0) throw new LmEvalException("--num-fewshot must not be negative");
        if (s.MaxGenTokens < 1) throw new LmEvalException("--max-gen-toks must be at least 1");
        if (s.GenerationBatch < 1) throw new LmEvalException("--gen-batch must be at least 1");
        string dataFolder = s.Data is { Length: > 0 } d && Directory.Exists(d)
            ? d
            : throw new LmEvalException($"lm-eval data folder not found ({s.Data ?? "none given"}); pass --data DIR");
        var selection = TaskRegistry.Parse(s.Tasks.Trim() == "leaderboard" ? string.Join(',', TaskRegistry.Leaderboard) : s.Tasks);
        // Load every task first: a missing or malformed file fails before any scoring time is spent.
        var loaded = selection.Select(t => (Selection: t, Task: TaskRegistry.Load(t.Name, dataFolder))).ToList();

        using var setup = s.Endpoint is { } url
            ? LmEvalModelLoader.Endpoint(url, s.Tokenizer ?? CommonOptions.RequireModel(s.Model), s.Batch, s.MaxLength, s.EndpointModel,
                Environment.GetEnvironmentVariable("STARCHAT_API_KEY"))
            : LmEvalModelLoader.Local(CommonOptions.RequireModel(s.Model), s.Tokenizer, s.Batch, s.Threads, s.MaxLength);
        var options = new LmEvalOptions
        {
            NumFewShot = s.Shots,
            Limit = s.Limit,
            MaxGenTokens = s.MaxGenTokens,
            GenerationBatch = s.GenerationBatch,
            EndOfTextId = setup.EndOfTextId,
            EndOfText = setup.Tokenizer.IdToToken(setup.EndOfTextId) ?? "<|endoftext|>",
        };
        var runner = new LmEvalRunner(setup.Backend, setup.Tokenizer, options);
        context.Err.WriteLine($"scoring with {setup.Backend.Description} (max_length {setup.Backend.MaxLength}, tokenizer {setup.TokenizerOrigin})");

        Directory.CreateDirectory(s.Out);
        string documentsPath = Path.Combine(s.Out, "documents.jsonl");
        var results = new List<TaskResult>();
        var watch = Stopwatch.StartNew();
        using (var documents = new StreamWriter(documentsPath, append: false, new System.Text.UTF8Encoding(false)))
        {
            foreach (var (selected, task) in loaded)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = RunTask(context, runner, task, selected, cancellationToken);
                results.Add(result);
                DocumentsJsonl.Write(documents, result.Documents);
                documents.Flush();
            }
        }

        var summary = new RunSummary
        {
            Model = setup.Backend.Description,
            NumFewShot = s.Shots,
            Limit = s.Limit,
            Batch = s.Batch,
            MaxLength = setup.Backend.MaxLength,
            Tasks = results,
            Elapsed = watch.Elapsed,
        };
        ResultsJson.Write(Path.Combine(s.Out, "results.json"), summary);
        HtmlReport.Write(Path.Combine(s.Out, "report.html"), summary);

        // Redirected output has no width; MMLU task names need more than the default 80 columns to stay on one line.
        if (!context.Interactive)
            context.Console.Profile.Width = 160;
        context.Console.Write(LmEvalTable.Build(summary));
        foreach (var t in results.Where(t => t.DataNotes.Count > 0))
            foreach (var note in t.DataNotes)
                context.Err.WriteLine($"note: {t.Task}: {note}");
        foreach (var t in results.Where(t => t.TruncatedDocuments > 0))
            context.Err.WriteLine($"note: {t.Task}: {t.TruncatedDocuments} document(s) longer than max_length {summary.MaxLength} were truncated on the left, as the harness does");
        context.Out.WriteLine($"wrote {Path.Combine(s.Out, "results.json")}, {documentsPath}, {Path.Combine(s.Out, "report.html")}");
        return ExitCodes.Ok;
    }

    private static TaskResult RunTask(CliContext context, LmEvalRunner runner, LmTask task, TaskSelection selected, CancellationToken cancellationToken)
    {
        if (!context.Interactive)
        {
            var result = runner.Run(task, selected.FewShot, selected.Group, cancellationToken: cancellationToken);
            context.Err.WriteLine($"{task.Name}: {result.Documents.Count} documents, {result.Elapsed.TotalSeconds:F1} s ({result.DocumentsPerSecond:F2} docs/s; tokenizing {result.EncodeTime.TotalSeconds:F1} s)");
            return result;
        }
        TaskResult? done = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var bar = ctx.AddTask(Markup.Escape(task.Name));
                var progress = new Progress<RunProgress>(p => { bar.MaxValue = p.Total; bar.Value = p.Done; });
                done = runner.Run(task, selected.FewShot, selected.Group, progress, cancellationToken);
                bar.Value = bar.MaxValue;
            });
        return done!;
    }
}
