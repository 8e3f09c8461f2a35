namespace StarChat.Evaluation.Execution;

/// <summary>Resource limits of one sandboxed program; each is enforced by the kernel (rlimits) or by the host (wall time, output).</summary>
public sealed record SandboxLimits
{
    /// <summary>Wall-clock time before the whole process tree is killed.</summary>
    public TimeSpan WallTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>CPU seconds per process (<c>RLIMIT_CPU</c>).</summary>
    public int CpuSeconds { get; init; } = 10;

    /// <summary>Address space per process in bytes (<c>RLIMIT_AS</c>); this is what stops a memory hog.</summary>
    public long AddressSpaceBytes { get; init; } = 1L << 30;

    /// <summary>Processes (and threads) the program may have at once (<c>RLIMIT_NPROC</c>, counted per sandbox user).</summary>
    public int MaxProcesses { get; init; } = 32;

    /// <summary>Largest file the program may write (<c>RLIMIT_FSIZE</c>).</summary>
    public long MaxFileBytes { get; init; } = 16L << 20;

    /// <summary>Open file descriptors (<c>RLIMIT_NOFILE</c>).</summary>
    public int MaxOpenFiles { get; init; } = 64;

    /// <summary>Bytes of stdout and of stderr kept; the rest is read and dropped so the program never blocks on a full pipe.</summary>
    public int MaxOutputBytes { get; init; } = 64 * 1024;
}
