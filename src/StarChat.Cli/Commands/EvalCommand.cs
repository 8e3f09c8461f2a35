using System.CommandLine;

namespace StarChat.Cli.Commands;

/// <summary>
/// <c>starchat eval</c>: the parent of every evaluation command. Each subcommand lives in its own file and is listed
/// once in <see cref="Subcommands"/> (perplexity and lm-eval go there too).
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var eval = new Command("eval", "Evaluate a model: pass@k on code benchmarks in a sandbox, LLM-as-judge, perplexity.");
        foreach (var sub in Subcommands())
            eval.Subcommands.Add(sub);
        return eval;
    }

    private static IEnumerable<Command> Subcommands()
    {
        yield return EvalCodeCommand.Create("humaneval", "HumanEval (164 Python problems) pass@k, as bigcode-evaluation-harness runs it.");
        yield return EvalCodeCommand.Create("mbpp", "MBPP (test split 11–510, or --problems sanitized-mbpp.json) pass@k.");
        yield return EvalCodeCommand.Create("multiple-cs", "MultiPL-E HumanEval in C# (158 problems) pass@k.");
        yield return EvalJudgeCommand.Create();
        yield return EvalAnswerCommand.Create();
        yield return EvalPerplexityCommand.Create();
        yield return EvalLmCommand.Create();
    }
}
