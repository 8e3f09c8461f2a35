using StarChat.Evaluation.Execution;

namespace StarChat.Evaluation.Tests;

/// <summary>One sandbox for the whole test assembly (detection and the root folder are set up once).</summary>
internal static class SharedSandbox
{
    private static readonly Lazy<Sandbox> s_sandbox = new(() => new Sandbox(new SandboxOptions { Workers = Math.Max(2, Environment.ProcessorCount) }));

    public static Sandbox Instance => s_sandbox.Value;

    public static PythonRunner Python { get; } = new(Instance);

    public static CSharpRunner CSharp { get; } = new(Instance);

    /// <summary>Skips a test that needs namespace isolation on a machine without it (not root, or the kernel refuses).</summary>
    public static void RequireNamespaces()
        => Assert.SkipUnless(Instance.Isolation == SandboxIsolation.Namespaces, $"namespace isolation unavailable here: {Instance.IsolationNote}");

    /// <summary>Processes whose command line contains <paramref name="marker"/>.</summary>
    public static List<int> ProcessesWithMarker(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker, StringComparison.Ordinal)) found.Add(pid);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }
}
