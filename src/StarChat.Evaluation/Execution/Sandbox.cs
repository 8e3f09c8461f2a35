using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace StarChat.Evaluation.Execution;

/// <summary>
/// Runs untrusted programs one per process in a fresh folder, with a wall-clock timeout, rlimits (CPU time, address
/// space, processes, file size, open files), capped output, no network where the kernel allows (a new network
/// namespace), and the whole process tree killed at the end, then checked for survivors. See
/// <see cref="SandboxIsolation"/> for what each isolation level guarantees. Thread-safe: up to
/// <see cref="SandboxOptions.Workers"/> runs proceed at once, the rest wait.
/// </summary>
public sealed class Sandbox : IDisposable
{
    private const string RunTagVariable = "STARCHAT_SANDBOX_RUN";
    private const int MaxCollectedBytes = 64 * 1024;

    private readonly SandboxOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly bool _ownsRoot;
    private int _runCounter;

    /// <summary>Creates a sandbox; detects isolation when <see cref="SandboxOptions.Isolation"/> is null.</summary>
    /// <exception cref="SandboxException">Namespaces were asked for but this machine does not allow them.</exception>
    public Sandbox(SandboxOptions? options = null)
    {
        _options = options ?? new SandboxOptions();
        if (_options.Workers < 1) throw new ArgumentOutOfRangeException(nameof(options), "workers must be ≥ 1");
        var (detected, reason) = SandboxProbe.Detect();
        Isolation = _options.Isolation ?? detected;
        if (Isolation == SandboxIsolation.Namespaces && detected != SandboxIsolation.Namespaces)
            throw new SandboxException($"namespace isolation is not available here: {reason}");
        IsolationNote = Isolation == SandboxIsolation.Namespaces ? "network, mount and PID namespaces; per-run user id; read-only file systems outside the run folder"
            : $"process limits only ({(reason.Length > 0 ? reason : "chosen")}): no network isolation, so programs using network modules are refused; writes outside the run folder are limited by file permissions only";
        _ownsRoot = _options.RootDirectory is null;
        RootDirectory = _options.RootDirectory ?? Path.Combine(Path.GetTempPath(), $"starchat-sandbox-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(RootDirectory);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(RootDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        _slots = new SemaphoreSlim(_options.Workers, _options.Workers);
    }

    /// <summary>The isolation in force.</summary>
    public SandboxIsolation Isolation { get; }

    /// <summary>One line on what the isolation covers (for reports).</summary>
    public string IsolationNote { get; }

    /// <summary>True when programs have no network at all (a fresh network namespace with only a down loopback).</summary>
    public bool NetworkIsolated => Isolation == SandboxIsolation.Namespaces;

    /// <summary>Programs run at once.</summary>
    public int Workers => _options.Workers;

    /// <summary>Folder holding the per-run folders.</summary>
    public string RootDirectory { get; }

    /// <summary>Runs one program and cleans up after it; the program's failure is data in the result, not an exception.</summary>
    /// <exception cref="SandboxException">The sandbox could not start the program.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the program is killed first.</exception>
    public async Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken cancellationToken = default)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        UserIdLease? user = null;
        string work = Path.Combine(RootDirectory, $"run-{Interlocked.Increment(ref _runCounter)}-{Guid.NewGuid():N}"[..24]);
        try
        {
            int uid = -1;
            if (Isolation == SandboxIsolation.Namespaces)
            {
                user = await UserIdLease.AcquireAsync(_options.FirstUserId, _options.UserIdCount, cancellationToken).ConfigureAwait(false);
                uid = user.UserId;
            }
            PrepareFolder(work, request);
            return await RunInFolderAsync(work, uid, request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            DeleteFolder(work);
            user?.Dispose();
            _slots.Release();
        }
    }

    private static void PrepareFolder(string work, SandboxRequest request)
    {
        Directory.CreateDirectory(work);
        // The program runs as another user: it must be able to write here (and only here).
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(work, (UnixFileMode)0x1FF);
        foreach (var (name, bytes) in request.Files)
        {
            string full = Path.GetFullPath(Path.Combine(work, name));
            if (!full.StartsWith(work + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new ArgumentException($"sandbox file name \"{name}\" leaves the run folder", nameof(request));
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }
    }

    private async Task<SandboxResult> RunInFolderAsync(string work, int uid, SandboxRequest request, CancellationToken cancellationToken)
    {
        var limits = request.Limits;
        string tag = Guid.NewGuid().ToString("N");
        var psi = Isolation == SandboxIsolation.Namespaces ? NamespaceStart(work, uid, request) : ProcessLimitsStart(request);
        psi.WorkingDirectory = work;
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        psi.Environment["HOME"] = work;
        psi.Environment["TMPDIR"] = work;
        psi.Environment["LANG"] = "C.UTF-8";
        psi.Environment[RunTagVariable] = tag;
        foreach (var (k, v) in request.Environment)
            psi.Environment[k] = v;

        var watch = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new SandboxException($"could not start {psi.FileName}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SandboxException($"could not start {psi.FileName}: {e.Message}", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = CappedReader.ReadAsync(process.StandardOutput.BaseStream, limits.MaxOutputBytes);
            var stderr = CappedReader.ReadAsync(process.StandardError.BaseStream, limits.MaxOutputBytes);
            bool timedOut = false;
            using (var wall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                wall.CancelAfter(limits.WallTime);
                try
                {
                    await process.WaitForExitAsync(wall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    timedOut = !cancellationToken.IsCancellationRequested;
                    KillTree(process);
                    await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            // Grandchildren may still hold the pipes open (process-limits mode); the survivor sweep closes them.
            int survivors = KillSurvivors(uid, tag);
            var (outText, outCut) = await stdout.ConfigureAwait(false);
            var (errText, errCut) = await stderr.ConfigureAwait(false);
            watch.Stop();
            cancellationToken.ThrowIfCancellationRequested();

            int code = process.ExitCode;
            if (Isolation == SandboxIsolation.Namespaces && code == LauncherScript.SetupFailedExitCode && errText.Contains(LauncherScript.SetupFailedMarker, StringComparison.Ordinal))
                throw new SandboxException(errText.Trim());
            // Both unshare and the launcher report a signal as 128 + its number, as shells do.
            int? signal = timedOut ? 9 : code is > 128 and <= 128 + 64 ? code - 128 : null;
            return new SandboxResult
            {
                ExitCode = signal is null ? code : null,
                Signal = signal,
                TimedOut = timedOut,
                Stdout = outText,
                Stderr = errText,
                OutputTruncated = outCut || errCut,
                Elapsed = watch.Elapsed,
                Survivors = survivors,
                Collected = Collect(work, request.CollectFiles),
            };
        }
    }

    private static ProcessStartInfo NamespaceStart(string work, int uid, SandboxRequest request)
    {
        var limits = request.Limits;
        var psi = new ProcessStartInfo(SandboxProbe.Which("unshare")!);
        foreach (var a in new[] { "--net", "--mount", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc", SandboxProbe.Which("sh")!, "-c", LauncherScript.Script, "starchat-sandbox" })
            psi.ArgumentList.Add(a);
        foreach (var a in new[] { work, Num(uid), Num(limits.MaxProcesses), Num(limits.AddressSpaceBytes), Num(limits.CpuSeconds), Num(limits.MaxFileBytes), Num(limits.MaxOpenFiles), "--", request.FileName })
            psi.ArgumentList.Add(a);
        foreach (var a in request.Arguments)
            psi.ArgumentList.Add(a);
        return psi;
    }

    private static ProcessStartInfo ProcessLimitsStart(SandboxRequest request)
    {
        var limits = request.Limits;
        var args = new List<string>();
        string file = request.FileName;
        if (SandboxProbe.Which("prlimit") is { } prlimit)
        {
            // RLIMIT_NPROC counts every process of this user, so the allowance is on top of what already runs.
            int nproc = ProcessTable.CountOwnedBy(ProcessTable.CurrentUserId()) + limits.MaxProcesses;
            args.AddRange([$"--nproc={nproc}", $"--as={limits.AddressSpaceBytes}", $"--cpu={limits.CpuSeconds}", $"--fsize={limits.MaxFileBytes}",
                $"--nofile={limits.MaxOpenFiles}", "--core=0", "--", file]);
            file = prlimit;
        }
        if (SandboxProbe.Which("setsid") is { } setsid)
        {
            args.Insert(0, file);
            file = setsid;
        }
        var psi = new ProcessStartInfo(file);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var a in request.Arguments) psi.ArgumentList.Add(a);
        return psi;
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>Kills processes left from a run: those of the worker's user (namespaces) or carrying the run's tag.</summary>
    private int KillSurvivors(int uid, string tag)
    {
        int killed = 0;
        for (int round = 0; round < 20; round++)
        {
            var pids = Isolation == SandboxIsolation.Namespaces ? ProcessTable.OwnedBy(uid) : ProcessTable.WithEnvironment(RunTagVariable, tag);
            if (pids.Count == 0) return killed;
            foreach (int pid in pids)
            {
                if (ProcessTable.Kill(pid)) killed++;
            }
            Thread.Sleep(20);
        }
        return killed;
    }

    private static Dictionary<string, string> Collect(string work, IReadOnlyList<string> names)
    {
        var found = new Dictionary<string, string>();
        foreach (var name in names)
        {
            string path = Path.Combine(work, name);
            var info = new FileInfo(path);
            // A program could plant a link to a host file; only plain files are read back.
            if (!info.Exists || info.LinkTarget is not null) continue;
            using var stream = info.OpenRead();
            var buffer = new byte[Math.Min(info.Length, MaxCollectedBytes)];
            int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            found[name] = Encoding.UTF8.GetString(buffer, 0, read);
        }
        return found;
    }

    private static void DeleteFolder(string work)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(50);
            }
        }
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Removes the root folder if this sandbox created it.</summary>
    public void Dispose()
    {
        _slots.Dispose();
        if (_ownsRoot) DeleteFolder(RootDirectory);
    }
}
