namespace StarChat.Evaluation.Execution;

/// <summary>How strongly the sandbox can isolate programs on this machine (detected once).</summary>
public enum SandboxIsolation
{
    /// <summary>
    /// Linux namespaces (network, mount, PID, IPC, UTS) entered by <c>unshare</c> as root, a read-only view of every
    /// file system except the program's folder, a dedicated unprivileged user per worker (so <c>RLIMIT_NPROC</c> bites),
    /// and rlimits. Killing the namespace's first process ends every process in it.
    /// </summary>
    Namespaces,

    /// <summary>
    /// No namespaces (not root, or the kernel refuses them): a new session per program, rlimits, and a tagged
    /// environment to find and kill strays. No network isolation (network modules are refused) and writes outside
    /// the folder are only prevented by file permissions.
    /// </summary>
    ProcessLimits,
}
