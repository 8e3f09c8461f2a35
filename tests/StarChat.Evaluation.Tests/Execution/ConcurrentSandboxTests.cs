using StarChat.Evaluation.Execution;

namespace StarChat.Evaluation.Tests.Execution;

/// <summary>Two evaluations at once (or two test assemblies) each have their own sandbox; neither may end the other's programs.</summary>
public class ConcurrentSandboxTests
{
    [Fact]
    public async Task TwoSandboxes_QuickRunsInOne_DoNotKillTheSlowProgramOfTheOther()
    {
        using var slowBox = new Sandbox(new SandboxOptions { Workers = 1 });
        using var quickBox = new Sandbox(new SandboxOptions { Workers = 2 });
        var slow = new PythonRunner(slowBox).RunAsync("import time\ntime.sleep(1.5)\nassert True", TimeSpan.FromSeconds(10));
        var quick = new PythonRunner(quickBox);
        for (int i = 0; i < 8; i++)
        {
            var outcome = await quick.RunAsync("assert 1 + 1 == 2", TimeSpan.FromSeconds(10));
            Assert.True(outcome.Passed, outcome.Result);
        }
        var slowOutcome = await slow;
        Assert.True(slowOutcome.Passed, slowOutcome.Result);
    }
}
