using System.Diagnostics;

namespace StarChat.Evaluation.Execution;

/// <summary>Finds the tools the sandbox needs and tests, once, whether namespaces work here.</summary>
internal static class SandboxProbe
{
    private static readonly Lazy<(SandboxIsolation Isolation, string Reason)> s_detected = new(DetectCore);

    /// <summary>The strongest isolation this machine allows, and why it is not stronger.</summary>
    public static (SandboxIsolation Isolation, string Reason) Detect() => s_detected.Value;

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? Which(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            if (dir.Length == 0) continue;
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        foreach (var dir in new[] { "/usr/bin", "/bin", "/usr/sbin", "/sbin" })
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static (SandboxIsolation, string) DetectCore()
    {
        if (!OperatingSystem.IsLinux()) return (SandboxIsolation.ProcessLimits, "not Linux");
        if (!Environment.IsPrivilegedProcess) return (SandboxIsolation.ProcessLimits, "not running as root: no namespaces or per-worker users");
        foreach (var tool in new[] { "unshare", "setpriv", "prlimit", "mount", "sh" })
            if (Which(tool) is null) return (SandboxIsolation.ProcessLimits, $"`{tool}` (util-linux) not found");
        try
        {
            var psi = new ProcessStartInfo(Which("unshare")!, ["--net", "--mount", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc",
                Which("sh")!, "-c", "mount --make-rprivate / && mount -o remount,bind,ro / && exit 0"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            if (!p.WaitForExit(10_000))
            {
                p.Kill(entireProcessTree: true);
                return (SandboxIsolation.ProcessLimits, "unshare probe hung");
            }
            return p.ExitCode == 0
                ? (SandboxIsolation.Namespaces, "")
                : (SandboxIsolation.ProcessLimits, $"unshare refused ({err.Trim()})");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            return (SandboxIsolation.ProcessLimits, $"unshare could not start ({e.Message})");
        }
    }
}
