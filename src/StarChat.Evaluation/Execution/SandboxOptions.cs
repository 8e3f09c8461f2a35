namespace StarChat.Evaluation.Execution;

/// <summary>Settings of a <see cref="Sandbox"/>.</summary>
public sealed record SandboxOptions
{
    /// <summary>Programs run at once (each in its own folder, as its own user where namespaces are used). Default: processor count.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Folder under which each run gets a fresh folder; default: a new folder in the system temp folder.</summary>
    public string? RootDirectory { get; init; }

    /// <summary>First id of the sandbox users; ids with no account are fine. Each run leases one id in
    /// [<see cref="FirstUserId"/>, <see cref="FirstUserId"/> + <see cref="UserIdCount"/>) that no other run on the machine
    /// holds meanwhile, since the survivor sweep kills every process of that user.</summary>
    public int FirstUserId { get; init; } = 61000;

    /// <summary>How many user ids the sandboxes of this machine share.</summary>
    public int UserIdCount { get; init; } = 256;

    /// <summary>Isolation to use; null detects the strongest this machine allows.</summary>
    public SandboxIsolation? Isolation { get; init; }
}
