using System.CommandLine;
using StarChat.Evaluation.Backends;
using StarChat.Evaluation.Judging;

namespace StarChat.Cli.Commands;

/// <summary><c>starchat eval answer</c>: a model's answers to MT-Bench, Vicuna or other questions, in FastChat's answer layout.</summary>
internal static class EvalAnswerCommand
{
    public static Command Create()
    {
        var backend = new EvalBackendOptions();
        var questions = new Option<string>("--questions") { Description = "mt_bench, vicuna, or a FastChat question file", DefaultValueFactory = _ => "mt_bench" };
        var output = new Option<FileInfo>("--out") { Description = "Answer file to write (questions already in it are skipped)", Required = true };
        var modelId = new Option<string?>("--model-id") { Description = "model_id written in each row (default: from --model / --endpoint)" };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature (FastChat's default for most categories)", DefaultValueFactory = _ => 0.7 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Tokens per answer at most", DefaultValueFactory = _ => 1024 };
        var system = new Option<string?>("--system") { Description = "System message to put before each conversation" };
        var concurrency = new Option<int>("--concurrency") { Description = "Questions answered at once (endpoints)", DefaultValueFactory = _ => 4 };
        var limit = new Option<int?>("--limit") { Description = "Answer only the first N questions" };
        var command = new Command("answer", "Generate answer files for `eval judge` from a model or endpoint.")
        {
            questions, output, modelId, temperature, maxNew, system, concurrency, limit,
        };
        foreach (var option in backend.All) command.Options.Add(option);

        command.SetAction((parse, cancellationToken) =>
        {
            var context = CliContext.From(parse);
            return CliErrors.RunAsync(context, () => EvalErrors.RunAsync(context, async () =>
            {
                var (questionFile, _) = EvalQuestionSets.Resolve(parse.GetValue(questions)!);
                var all = JudgeQuestion.Load(questionFile);
                var selected = parse.GetValue(limit) is { } l ? [.. all.Take(Math.Max(0, l))] : all;
                var model = backend.Create(parse) as IChatBackend ?? throw new ArgumentException("this backend cannot chat");
                try
                {
                    string file = parse.GetValue(output)!.FullName;
                    string id = parse.GetValue(modelId) ?? parse.GetValue(backend.EndpointModel) ?? model.Description;
                    int answered = await EvalProgressView.RunAsync(context, "answer", update =>
                        AnswerGeneration.RunAsync(selected, model, id, file, parse.GetValue(temperature), parse.GetValue(maxNew), parse.GetValue(system),
                            parse.GetValue(concurrency), new Progress<(int Done, int Total)>(p => update(p.Done, p.Total, "")), cancellationToken)).ConfigureAwait(false);
                    context.Out.WriteLine($"{answered} questions answered now ({selected.Count - answered} were already in {file})");
                    return ExitCodes.Ok;
                }
                finally
                {
                    (model as IDisposable)?.Dispose();
                }
            }));
        });
        return command;
    }
}
