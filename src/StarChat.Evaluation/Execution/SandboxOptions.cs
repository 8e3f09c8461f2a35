namespace StarChat.Evaluation.Execution;

/// <summary>Settings of a <see cref="Sandbox"/>.</summary>
public sealed record SandboxOptions
{
    /// <summary>Programs run at once (each in its own folder, as its own user where namespaces are used). Default: processor count.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Folder under which each run gets a fresh folder; default: a new folder in the system temp folder.</summary>
    public string? RootDirectory { get; init; }

    /// <summary>First user id of the per-worker sandbox users (worker i runs as <c>FirstUserId + i</c>); ids with no account are fine.</summary>
    public int FirstUserId { get; init; } = 61000;

    /// <summary>Isolation to use; null detects the strongest this machine allows.</summary>
    public SandboxIsolation? Isolation { get; init; }
}
