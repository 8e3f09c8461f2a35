namespace StarChat.Evaluation.Execution;

/// <summary>What a sandboxed run did.</summary>
public sealed record SandboxResult
{
    /// <summary>Exit code, when the program exited by itself.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Signal that ended the program (9 when the host killed it), when it did not exit by itself.</summary>
    public int? Signal { get; init; }

    /// <summary>True when the wall-clock limit was reached and the process tree was killed.</summary>
    public bool TimedOut { get; init; }

    /// <summary>Standard output (up to <see cref="SandboxLimits.MaxOutputBytes"/>, decoded as UTF-8).</summary>
    public string Stdout { get; init; } = "";

    /// <summary>Standard error (same cap).</summary>
    public string Stderr { get; init; } = "";

    /// <summary>True when either stream had more than the cap.</summary>
    public bool OutputTruncated { get; init; }

    /// <summary>Wall-clock time from start to the end of the process tree.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Processes of the program still alive after the end that the host had to kill (should be 0).</summary>
    public int Survivors { get; init; }

    /// <summary>Files named in <see cref="SandboxRequest.CollectFiles"/> that existed after the run.</summary>
    public IReadOnlyDictionary<string, string> Collected { get; init; } = new Dictionary<string, string>();

    /// <summary>True when the program exited with code 0.</summary>
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}
