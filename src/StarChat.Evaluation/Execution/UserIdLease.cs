namespace StarChat.Evaluation.Execution;

/// <summary>
/// A sandbox user id held exclusively across every sandbox on the machine, in this process or another. The survivor
/// sweep kills every process of the run's user, so two sandboxes sharing a user (two evaluations at once, or test
/// assemblies running side by side) would kill each other's programs. The lease is an exclusive lock on a per-id file
/// in a folder only the host user can write; the kernel drops it if the holder dies, so a crash leaks nothing.
/// </summary>
internal sealed class UserIdLease : IDisposable
{
    private static readonly string LockFolder = Path.Combine(Path.GetTempPath(), "starchat-sandbox-users");
    private readonly FileStream _lock;

    private UserIdLease(int userId, FileStream held)
    {
        UserId = userId;
        _lock = held;
    }

    /// <summary>The leased user id.</summary>
    public int UserId { get; }

    /// <summary>Takes the first free id in [first, first + count); waits a little and retries when all are taken.</summary>
    /// <exception cref="SandboxException">No id came free within the wait.</exception>
    public static async Task<UserIdLease> AcquireAsync(int first, int count, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(LockFolder);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(LockFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        for (int attempt = 0; attempt < 600; attempt++)
        {
            for (int id = first; id < first + count; id++)
            {
                try
                {
                    // FileShare.None takes an exclusive flock on Unix: it conflicts with every other open of the file.
                    var held = new FileStream(Path.Combine(LockFolder, $"{id}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    return new UserIdLease(id, held);
                }
                catch (IOException)
                {
                    // Held by another run.
                }
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        throw new SandboxException($"all {count} sandbox user ids from {first} stayed in use for a minute (see {LockFolder})");
    }

    /// <inheritdoc/>
    public void Dispose() => _lock.Dispose();
}
