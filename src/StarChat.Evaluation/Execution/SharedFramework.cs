using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StarChat.Evaluation.Execution;

/// <summary>
/// The installed .NET shared framework (<c>Microsoft.NETCore.App</c>) that C# programs under test compile against
/// and run on, with its <c>dotnet</c> host. A JIT-run process uses its own runtime. A native AOT process carries no
/// framework files, so it takes the installation of <c>DOTNET_ROOT</c> or of the <c>dotnet</c> on <c>PATH</c>:
/// the version it was built with if present, else the newest of the same major version.
/// </summary>
internal sealed record SharedFramework(string Host, string Directory, string Version)
{
    private static readonly Lazy<SharedFramework> s_current = new(Locate);

    /// <summary>The framework of this process, or the installed one a native AOT process uses.</summary>
    /// <exception cref="InvalidOperationException">No installed framework was found; the message says where it looked.</exception>
    public static SharedFramework Current => s_current.Value;

    private static string HostName => OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";

    private static SharedFramework Locate()
    {
        string own = RuntimeInformation.FrameworkDescription.Split(' ')[^1];
        if (RuntimeFeature.IsDynamicCodeSupported)
        {
            // <root>/shared/Microsoft.NETCore.App/<version>/ is this runtime; the host is <root>/dotnet.
            string runtime = RuntimeEnvironment.GetRuntimeDirectory();
            string host = Path.GetFullPath(Path.Combine(runtime, "..", "..", "..", HostName));
            return new SharedFramework(File.Exists(host) ? host : SandboxProbe.Which(HostName) ?? HostName,
                Path.TrimEndingDirectorySeparator(runtime), own);
        }
        string? root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (string.IsNullOrEmpty(root) || !File.Exists(Path.Combine(root, HostName)))
        {
            string? onPath = SandboxProbe.Which(HostName);
            root = onPath is null ? null : Path.GetDirectoryName(new FileInfo(onPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? onPath);
        }
        string frameworks = Path.Combine(root ?? "", "shared", "Microsoft.NETCore.App");
        if (root is null || !System.IO.Directory.Exists(frameworks))
            throw new InvalidOperationException(
                $"C# programs need an installed .NET {Environment.Version.Major} runtime: none found (DOTNET_ROOT, or dotnet on PATH{(root is null ? "" : $": {root}")})");
        var versions = System.IO.Directory.EnumerateDirectories(frameworks)
            .Select(Path.GetFileName)
            .Where(v => System.Version.TryParse(v, out var parsed) && parsed.Major == Environment.Version.Major)
            .OrderByDescending(v => System.Version.Parse(v!))
            .ToList();
        string? version = versions.Contains(own) ? own : versions.FirstOrDefault();
        if (version is null)
            throw new InvalidOperationException($"{frameworks}: no Microsoft.NETCore.App {Environment.Version.Major}.x to compile and run C# programs on");
        return new SharedFramework(Path.Combine(root, HostName), Path.Combine(frameworks, version), version);
    }
}
