using System.CommandLine;
using System.Text.Json;
using StarChat.Evaluation.Backends;
using StarChat.Evaluation.Judging;
using StarChat.Evaluation.Running;

namespace StarChat.Cli.Commands;

/// <summary>
/// <c>starchat eval judge</c>: an LLM judge compares two models' answers (pairwise, both orders), rates answers
/// (single), or scores both the way the StarChat blog did (scores). Writes judgments.jsonl and judge-summary.json.
/// </summary>
internal static class EvalJudgeCommand
{
    public static Command Create()
    {
        var judge = new EvalBackendOptions();
        var questions = new Option<string>("--questions") { Description = "mt_bench, vicuna, or a FastChat question file", DefaultValueFactory = _ => "mt_bench" };
        var answersA = new Option<FileInfo>("--answers-a") { Description = "Model A's answers (FastChat answer JSON lines)", Required = true };
        var answersB = new Option<FileInfo?>("--answers-b") { Description = "Model B's answers (needed for pairwise and scores)" };
        var mode = new Option<string>("--mode") { Description = "pairwise, single, or scores (two 1–10 scores on the first line, as the StarChat blog)", DefaultValueFactory = _ => "pairwise" };
        var references = new Option<FileInfo?>("--references") { Description = "Reference answers for math/reasoning/coding questions (default: the set's GPT-4 answers)" };
        var prompts = new Option<FileInfo?>("--judge-prompts") { Description = "FastChat judge_prompts.jsonl (default: the shared copy)" };
        var reviewers = new Option<FileInfo?>("--reviewer-prompts") { Description = "Vicuna 2023 reviewer prompt.jsonl for --mode scores (default: the shared copy)" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder (judgments are resumed from judgments.jsonl)", Required = true };
        var concurrency = new Option<int>("--concurrency") { Description = "Judge requests in flight", DefaultValueFactory = _ => 4 };
        var command = new Command("judge", "Judge answers with an LLM (FastChat prompts; --model or --endpoint is the judge).")
        {
            questions, answersA, answersB, mode, references, prompts, reviewers, output, concurrency,
        };
        foreach (var option in judge.All) command.Options.Add(option);

        command.SetAction((parse, cancellationToken) =>
        {
            var context = CliContext.From(parse);
            return CliErrors.RunAsync(context, () => EvalErrors.RunAsync(context, async () =>
            {
                var judgeMode = parse.GetValue(mode) switch
                {
                    "pairwise" => JudgeMode.Pairwise,
                    "single" => JudgeMode.Single,
                    "scores" => JudgeMode.Scores,
                    var other => throw new ArgumentException($"unknown --mode \"{other}\": use pairwise, single or scores"),
                };
                var (questionFile, defaultReferences) = EvalQuestionSets.Resolve(parse.GetValue(questions)!);
                string? referenceFile = parse.GetValue(references)?.FullName ?? defaultReferences;
                string outDir = parse.GetValue(output)!.FullName;
                Directory.CreateDirectory(outDir);
                var backend = judge.Create(parse) as IChatBackend ?? throw new ArgumentException("this backend cannot chat");
                try
                {
                    var options = new JudgeRunOptions
                    {
                        Questions = JudgeQuestion.Load(questionFile),
                        AnswersA = AnswerFile.Load(parse.GetValue(answersA)!.FullName),
                        AnswersB = parse.GetValue(answersB) is { } b ? AnswerFile.Load(b.FullName) : null,
                        References = referenceFile is null ? null : AnswerFile.Load(referenceFile),
                        Prompts = judgeMode == JudgeMode.Scores ? new Dictionary<string, JudgePrompt>()
                            : JudgePrompt.Load(parse.GetValue(prompts)?.FullName ?? EvalQuestionSets.Shared("fastchat", "llm_judge", "judge_prompts.jsonl")),
                        Reviewers = judgeMode == JudgeMode.Scores
                            ? JudgePrompt.LoadVicunaReviewers(parse.GetValue(reviewers)?.FullName ?? EvalQuestionSets.Shared("fastchat", "eval_table_2023", "prompt.jsonl"))
                            : new Dictionary<string, JudgePrompt>(),
                        Mode = judgeMode,
                        Judge = backend,
                        OutputFile = Path.Combine(outDir, "judgments.jsonl"),
                        Concurrency = parse.GetValue(concurrency),
                    };
                    var judgments = await EvalProgressView.RunAsync(context, "judge", update =>
                        JudgeRun.RunAsync(options with { Progress = new Progress<(int Done, int Total)>(p => update(p.Done, p.Total, "")) }, cancellationToken)).ConfigureAwait(false);
                    var summary = JudgeSummary.From(judgeMode.ToString().ToLowerInvariant(), judgments);
                    await File.WriteAllTextAsync(Path.Combine(outDir, "judge-summary.json"), JsonSerializer.Serialize(summary, JsonlFile.TypeInfo<JudgeSummary>(JsonlFile.Indented)), cancellationToken).ConfigureAwait(false);
                    summary.Write(context.Console);
                    return ExitCodes.Ok;
                }
                finally
                {
                    (backend as IDisposable)?.Dispose();
                }
            }));
        });
        return command;
    }
}
