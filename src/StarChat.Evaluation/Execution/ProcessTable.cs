using System.Globalization;
using System.Text;

namespace StarChat.Evaluation.Execution;

/// <summary>Finds processes through <c>/proc</c>: by real user id, or by a variable in their initial environment.</summary>
internal static class ProcessTable
{
    /// <summary>The real user id of this process.</summary>
    public static int CurrentUserId() => RealUserId(Environment.ProcessId) ?? -1;

    /// <summary>Processes whose real user id is <paramref name="uid"/>.</summary>
    public static List<int> OwnedBy(int uid)
    {
        var pids = new List<int>();
        foreach (int pid in AllPids())
        {
            if (RealUserId(pid) == uid) pids.Add(pid);
        }
        return pids;
    }

    /// <summary>How many processes <paramref name="uid"/> has.</summary>
    public static int CountOwnedBy(int uid) => OwnedBy(uid).Count;

    /// <summary>Processes whose environment holds <c>name=value</c>.</summary>
    public static List<int> WithEnvironment(string name, string value)
    {
        var needle = Encoding.UTF8.GetBytes($"{name}={value}\0");
        var pids = new List<int>();
        foreach (int pid in AllPids())
        {
            if (pid == Environment.ProcessId) continue;
            try
            {
                var env = File.ReadAllBytes($"/proc/{pid}/environ");
                if (env.AsSpan().IndexOf(needle) >= 0) pids.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone, or not ours to read.
            }
        }
        return pids;
    }

    /// <summary>Sends SIGKILL; false when the process was already gone.</summary>
    public static bool Kill(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            p.Kill();
            return true;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static IEnumerable<int> AllPids()
    {
        if (!Directory.Exists("/proc")) yield break;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                yield return pid;
        }
    }

    private static int? RealUserId(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("Uid:", StringComparison.Ordinal)) continue;
                var parts = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                return parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int uid) ? uid : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
