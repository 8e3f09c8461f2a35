using System.Diagnostics;
using System.Text;

namespace StarChat.Evaluation.Execution;

/// <summary>
/// Grades C# programs as MultiPL-E's <c>eval_cs.py</c> does, without Mono: compile (a compile error is a failure),
/// run with the task's timeout, and fail on a non-zero exit — a failed <c>Debug.Assert</c> ends a .NET process with
/// <c>Environment.FailFast</c> (SIGABRT), and an unhandled exception exits non-zero too. Compilation happens in this
/// process; each program runs in its own sandboxed <c>dotnet</c> host.
/// </summary>
public sealed class CSharpRunner(Sandbox sandbox) : IProgramRunner
{
    /// <summary>Seconds allowed for the runtime to start, on top of the program's timeout.</summary>
    public static TimeSpan StartupAllowance { get; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Limits for each program. The runtime reserves address space far beyond what it touches, so the memory cap is
    /// the GC heap limit (<c>DOTNET_GCHeapHardLimit</c>, <see cref="GcHeapLimitBytes"/>) with a looser address-space cap behind it.
    /// </summary>
    public SandboxLimits Limits { get; init; } = new() { AddressSpaceBytes = 8L << 30, MaxProcesses = 64, MaxOpenFiles = 256 };

    /// <summary>GC heap limit of each program.</summary>
    public long GcHeapLimitBytes { get; init; } = 512L << 20;

    /// <summary>The <c>dotnet</c> host that runs the programs (<see cref="SharedFramework"/>).</summary>
    public static string DotnetHost => SharedFramework.Current.Host;

    /// <inheritdoc/>
    public async Task<ExecutionOutcome> RunAsync(string program, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        if (!sandbox.NetworkIsolated && NetworkUse.InCSharp(program) is { } use)
            return ExecutionOutcome.Fail($"refused: uses '{use}' and this sandbox has no network isolation", TimeSpan.Zero);
        var compiled = CSharpCompiler.Compile(program);
        if (!compiled.Succeeded)
            return ExecutionOutcome.Fail($"compile error {string.Join("; ", compiled.Errors)}", watch.Elapsed);
        var request = new SandboxRequest
        {
            FileName = DotnetHost,
            Arguments = ["program.dll"],
            Files = new Dictionary<string, byte[]>
            {
                ["program.dll"] = compiled.Assembly!,
                ["program.runtimeconfig.json"] = Encoding.UTF8.GetBytes(CSharpCompiler.RuntimeConfigJson()),
            },
            Environment = new Dictionary<string, string>
            {
                ["DOTNET_GCHeapHardLimit"] = $"0x{GcHeapLimitBytes:X}",
                ["DOTNET_gcServer"] = "0",
                ["DOTNET_EnableDiagnostics"] = "0",
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
                ["DOTNET_TieredPGO"] = "0",
                ["DOTNET_DbgEnableMiniDump"] = "0",
                ["DOTNET_EnableCrashReport"] = "0",
                ["DOTNET_ROOT"] = Path.GetDirectoryName(DotnetHost)!,
            },
            Limits = Limits with { WallTime = timeout + StartupAllowance, CpuSeconds = (int)Math.Ceiling(timeout.TotalSeconds) + 3 },
        };
        var run = await sandbox.RunAsync(request, cancellationToken).ConfigureAwait(false);
        string output = PythonRunner.Join(run.Stdout, run.Stderr);
        if (run.TimedOut) return ExecutionOutcome.Timeout(watch.Elapsed, output);
        if (run.ExitCode == 0 && !run.Stderr.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase))
            return ExecutionOutcome.Pass(watch.Elapsed, output);
        string reason = run.Stderr.Contains("Assertion failed", StringComparison.Ordinal) ? "assertion failed"
            : run.Stderr.Contains("Out of memory", StringComparison.Ordinal) || run.Stderr.Contains("OutOfMemoryException", StringComparison.Ordinal) ? "out of memory"
            : run.Stderr.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase) ? $"unhandled exception: {FirstExceptionLine(run.Stderr)}"
            : run.Signal is { } s ? $"killed by signal {s}"
            : $"exit code {run.ExitCode}";
        return ExecutionOutcome.Fail(reason, watch.Elapsed, output);
    }

    private static string FirstExceptionLine(string stderr)
    {
        const string prefix = "Unhandled exception. ";
        foreach (var line in stderr.Split('\n'))
        {
            int at = line.IndexOf(prefix, StringComparison.OrdinalIgnoreCase);
            if (at >= 0) return line[(at + prefix.Length)..].Trim();
        }
        return PythonRunner.LastLine(stderr) ?? "";
    }
}
