using StarChat.Evaluation.CodeTasks;
using StarChat.Evaluation.Execution;

namespace StarChat.Evaluation.Tests.CodeTasks;

/// <summary>MultiPL-E C#: prompts and tests compile, and known-correct / known-wrong completions score as they should.</summary>
public class MultiPleCSharpTests
{
    private static readonly MultiPleCSharpTask Task = new() { StripPrompt = true };

    [Fact]
    public void LoadProblems_Reworded_Has158WithRepairedSignatures()
    {
        Assert.Equal(158, TaskData.MultiPleCs.Count);
        Assert.All(TaskData.MultiPleCs, p =>
        {
            string last = p.Prompt.TrimEnd('\n').Split('\n')[^1];
            Assert.StartsWith("    public static ", last, StringComparison.Ordinal);
            Assert.EndsWith("{", last, StringComparison.Ordinal);
            Assert.Equal(["\n    }\n"], p.StopTokens);
        });
    }

    [Fact]
    public void RepairPrompt_CommentedSignature_IsUncommented()
    {
        const string stored = "class Problem {\n    // (true)\n    //     public static bool F(long x) {\n";
        Assert.Equal("class Problem {\n    // (true)\n    public static bool F(long x) {\n", MultiPleCSharpTask.RepairPrompt(stored));
        Assert.Equal("x\n    public static bool F() {\n", MultiPleCSharpTask.RepairPrompt("x\n    public static bool F() {\n"));
    }

    [Fact]
    public void Compile_EveryPromptAndItsTestsWithAStubBody_Succeeds()
    {
        var failures = new List<string>();
        foreach (var p in TaskData.MultiPleCs)
        {
            var result = CSharpCompiler.Compile(Task.BuildProgram(p, "\n        throw new NotImplementedException();"));
            if (!result.Succeeded) failures.Add($"{p.TaskId}: {string.Join("; ", result.Errors)}");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public void Postprocess_GenerationRunningPastTheMethod_IsCutAtTheStopToken()
    {
        var p = TaskData.MultiPle("HumanEval_53_add");
        Assert.Equal("\n        return x + y;", Task.Postprocess(p, "\n        return x + y;\n    }\n    public static void Main() {}"));
    }

    public static TheoryData<string, string, bool> KnownCompletions => new()
    {
        { "HumanEval_53_add", "\n        return x + y;", true },
        { "HumanEval_53_add", "\n        return x - y;", false },
        { "HumanEval_23_strlen", "\n        return str.Length;", true },
        { "HumanEval_23_strlen", "\n        return str.Length + 1;", false },
        { "HumanEval_13_greatest_common_divisor", "\n        while (b != 0) { long t = a % b; a = b; b = t; }\n        return a;", true },
        { "HumanEval_13_greatest_common_divisor", "\n        return Math.Min(a, b);", false },
        { "HumanEval_28_concatenate", "\n        return string.Concat(strings);", true },
        { "HumanEval_0_has_close_elements", "\n        for (int i = 0; i < numbers.Count; i++)\n            for (int j = i + 1; j < numbers.Count; j++)\n                if (Math.Abs(numbers[i] - numbers[j]) < threshold) return true;\n        return false;", true },
        { "HumanEval_0_has_close_elements", "\n        return false;", false },
    };

    [Theory, MemberData(nameof(KnownCompletions))]
    public async Task Run_KnownCompletion_ScoresAsExpected(string name, string completion, bool passes)
    {
        var p = TaskData.MultiPle(name);
        var outcome = await SharedSandbox.CSharp.RunAsync(Task.BuildProgram(p, completion), Task.HarnessTimeout);
        Assert.True(outcome.Passed == passes, $"{name}: {outcome.Result}\n{outcome.Output}");
        if (!passes) Assert.Equal("failed: assertion failed", outcome.Result);
    }

    [Fact]
    public async Task Run_CompileError_FailsNamingTheError()
    {
        var p = TaskData.MultiPle("HumanEval_53_add");
        var outcome = await SharedSandbox.CSharp.RunAsync(Task.BuildProgram(p, "\n        return x +;"), Task.HarnessTimeout);
        Assert.StartsWith("failed: compile error", outcome.Result, StringComparison.Ordinal);
        Assert.Contains("CS1525", outcome.Result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InfiniteLoop_TimesOut()
    {
        var p = TaskData.MultiPle("HumanEval_53_add");
        var outcome = await SharedSandbox.CSharp.RunAsync(Task.BuildProgram(p, "\n        while (true) { }"), TimeSpan.FromSeconds(1));
        Assert.Equal(ExecutionOutcome.TimedOut, outcome.Result);
    }

    [Fact]
    public async Task Run_UnhandledException_Fails()
    {
        var p = TaskData.MultiPle("HumanEval_53_add");
        var outcome = await SharedSandbox.CSharp.RunAsync(Task.BuildProgram(p, "\n        throw new InvalidOperationException(\"boom\");"), Task.HarnessTimeout);
        Assert.StartsWith("failed: unhandled exception", outcome.Result, StringComparison.Ordinal);
        Assert.True(outcome.Result.Contains("boom", StringComparison.Ordinal), outcome.Output);
    }

    [Fact]
    public async Task Run_MemoryHog_FailsWithoutHarm()
    {
        var p = TaskData.MultiPle("HumanEval_53_add");
        var outcome = await SharedSandbox.CSharp.RunAsync(Task.BuildProgram(p, "\n        var keep = new List<byte[]>();\n        while (true) keep.Add(new byte[64 << 20]);"), Task.HarnessTimeout);
        Assert.Equal("failed: out of memory", outcome.Result);
    }
}
