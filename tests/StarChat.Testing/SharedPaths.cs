namespace StarChat.Testing;

/// <summary>
/// Locates the read-only <c>../shared</c> folder (docs, data, fixtures) beside the repository.
/// Tests read data there in place; nothing from it is copied into the repository.
/// </summary>
public static class SharedPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);
    private static readonly Lazy<string> s_repo = new(FindRepositoryRoot);

    /// <summary>The shared folder: <c>STARCHAT_SHARED</c> if set, else <c>../shared</c> next to the repository.</summary>
    public static string Root => s_root.Value;

    /// <summary>The repository root (the folder holding <c>StarChat.slnx</c>).</summary>
    public static string Repository => s_repo.Value;

    /// <summary><c>shared/data/...</c></summary>
    public static string Data(params string[] parts) => Combine("data", parts);

    /// <summary><c>shared/fixtures/...</c></summary>
    public static string Fixtures(params string[] parts) => Combine("fixtures", parts);

    /// <summary><c>shared/docs/...</c></summary>
    public static string Docs(params string[] parts) => Combine("docs", parts);

    private static string Combine(string top, string[] parts)
    {
        var path = Path.Combine([Root, top, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"shared test input missing: {path} (is ../shared beside the repository?)", path);
        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StarChat.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"StarChat.slnx not found above {AppContext.BaseDirectory}");
    }

    private static string FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("STARCHAT_SHARED");
        if (!string.IsNullOrEmpty(env))
            return Path.GetFullPath(env);
        var candidate = Path.GetFullPath(Path.Combine(Repository, "..", "shared"));
        if (!Directory.Exists(candidate))
            throw new DirectoryNotFoundException($"shared folder not found at {candidate}; set STARCHAT_SHARED");
        return candidate;
    }
}
