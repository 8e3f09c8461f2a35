namespace StarChat.Evaluation.Execution;

/// <summary>A program to run in a fresh sandbox folder: files to put there, the command, and what to bring back.</summary>
public sealed record SandboxRequest
{
    /// <summary>Executable (absolute path, or a name found on the sandbox's PATH).</summary>
    public required string FileName { get; init; }

    /// <summary>Arguments.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Files written into the sandbox folder before the run (relative name → bytes).</summary>
    public IReadOnlyDictionary<string, byte[]> Files { get; init; } = new Dictionary<string, byte[]>();

    /// <summary>Extra environment variables (the environment otherwise holds only PATH, HOME, TMPDIR and LANG).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Files read back from the sandbox folder after the run, if the program left them (at most 64 KiB each).</summary>
    public IReadOnlyList<string> CollectFiles { get; init; } = [];

    /// <summary>Limits.</summary>
    public SandboxLimits Limits { get; init; } = new();
}
