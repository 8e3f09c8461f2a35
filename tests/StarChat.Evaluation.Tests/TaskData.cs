using StarChat.Evaluation.CodeTasks;
using StarChat.Testing;

namespace StarChat.Evaluation.Tests;

/// <summary>The shared data sets, loaded once per test run.</summary>
internal static class TaskData
{
    private static readonly Lazy<IReadOnlyList<CodeProblem>> s_humanEval = new(() => new HumanEvalTask().LoadProblems(SharedPaths.Data("humaneval", "HumanEval.jsonl.gz")));
    private static readonly Lazy<IReadOnlyList<CodeProblem>> s_mbppFull = new(() => new MbppTask().LoadProblems(SharedPaths.Data("mbpp", "mbpp.jsonl")));
    private static readonly Lazy<IReadOnlyList<CodeProblem>> s_mbppSanitized = new(() => new MbppTask().LoadProblems(SharedPaths.Data("mbpp", "sanitized-mbpp.json")));
    private static readonly Lazy<IReadOnlyList<CodeProblem>> s_multiple = new(() => new MultiPleCSharpTask().LoadProblems(SharedPaths.Data("multipl-e", "humaneval-cs-reworded.jsonl")));

    public static IReadOnlyList<CodeProblem> HumanEval => s_humanEval.Value;

    public static IReadOnlyList<CodeProblem> MbppFull => s_mbppFull.Value;

    public static IReadOnlyList<CodeProblem> MbppSanitized => s_mbppSanitized.Value;

    public static IReadOnlyList<CodeProblem> MultiPleCs => s_multiple.Value;

    public static CodeProblem MultiPle(string name) => MultiPleCs.Single(p => p.TaskId == name);
}
