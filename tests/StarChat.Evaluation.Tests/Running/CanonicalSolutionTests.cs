using System.Diagnostics;
using StarChat.Evaluation.CodeTasks;
using StarChat.Evaluation.Running;
using StarChat.Testing;

namespace StarChat.Evaluation.Tests.Running;

/// <summary>
/// Every canonical solution, tested as a completion through the whole pipeline with parallel workers, must pass:
/// HumanEval 164/164 and sanitized MBPP 427/427 (the data sets' authors checked them; a failure is ours).
/// </summary>
public class CanonicalSolutionTests(ITestOutputHelper output)
{
    /// <summary>
    /// Canonical solutions slower than the harness's 3 s: Mbpp/123 sums divisors of every number below 10 000 by
    /// trial division (about 4 s of CPU on a fast core, 12 s on a loaded CI core), and times out in
    /// bigcode-evaluation-harness runs too. Either outcome is accepted for these; every other problem must pass.
    /// </summary>
    private static readonly HashSet<string> SlowCanonical = ["Mbpp/123"];

    private async Task<EvaluationSummary> RunCanonical(CodeTask task, IReadOnlyList<CodeProblem> problems, string source)
    {
        using var folder = new TempFolder();
        var samples = problems.Select(p => new SampleInput(p.TaskId, task.CanonicalCompletion(p)!)).ToList();
        var watch = Stopwatch.StartNew();
        var summary = await CodeEvaluation.RunAsync(new CodeEvaluationOptions
        {
            Task = task,
            Problems = problems,
            ProblemSource = source,
            Runner = SharedSandbox.Python,
            Workers = SharedSandbox.Instance.Workers,
            OutputDirectory = folder.Path,
            Samples = samples,
            SamplesSource = "canonical",
            Ks = [1],
        });
        var failed = new JsonlFile(folder.File("results.jsonl")).ReadAll<SampleResult>().Where(r => !r.Passed).ToList();
        output.WriteLine($"{task.Name}: {summary.Passed}/{summary.Samples} in {watch.Elapsed.TotalSeconds:F1} s ({summary.ProgramsPerSecond} programs/s, {summary.Workers} workers)");
        foreach (var r in failed) output.WriteLine($"  {r.TaskId}: {r.Result}");
        var unexplained = failed.Where(r => !(SlowCanonical.Contains(r.TaskId) && r.Result == "timed out")).Select(r => $"{r.TaskId}: {r.Result}");
        Assert.Empty(unexplained);
        return summary;
    }

    /// <summary>
    /// These tests check that prompts, completions and tests are put together and run correctly, not machine speed:
    /// the limit is raised so that a CI machine shared with other test projects cannot turn a correct program into a
    /// timeout. (Under the harness's 3 s the suites pass too when the machine is not overloaded.)
    /// </summary>
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task HumanEval_CanonicalSolutions_All164Pass()
    {
        var task = new HumanEvalTask { StripPrompt = true, TimeoutOverride = Generous };
        var summary = await RunCanonical(task, TaskData.HumanEval, SharedPaths.Data("humaneval", "HumanEval.jsonl.gz"));
        Assert.Equal(164, summary.Samples);
        Assert.Equal(1.0, summary.PassAtK["pass@1"]);
    }

    [Fact]
    public async Task MbppSanitized_CanonicalSolutions_All427Pass()
    {
        var summary = await RunCanonical(new MbppTask { TimeoutOverride = Generous }, TaskData.MbppSanitized, SharedPaths.Data("mbpp", "sanitized-mbpp.json"));
        Assert.Equal(427, summary.Samples);
    }
}
