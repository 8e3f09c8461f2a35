namespace StarChat.Cli;

/// <summary>
/// Finds the project's shared data folder (<c>../shared</c> beside the repository, or <c>STARCHAT_SHARED</c>) for
/// defaults such as the tiny fixture model and the technical-assistant prompt.
/// </summary>
internal static class DefaultPaths
{
    /// <summary>The shared folder, or null when there is none.</summary>
    public static string? Shared { get; } = FindShared();

    /// <summary>The default model when none is given: the tiny StarChat fixture, if the shared folder has it.</summary>
    public static string? Model => Existing(Shared, "fixtures", "tiny-starchat");

    /// <summary>The BigCode technical-assistant prompt (v1), if present.</summary>
    public static string? TechnicalAssistantPrompt
        => Environment.GetEnvironmentVariable("STARCHAT_TA_PROMPT") ?? Existing(Shared, "data", "ta-prompt", "TA_prompt_v1.txt");

    private static string? Existing(string? root, params string[] parts)
    {
        if (root is null) return null;
        string path = Path.Combine([root, .. parts]);
        return File.Exists(path) || Directory.Exists(path) ? path : null;
    }

    private static string? FindShared()
    {
        var env = Environment.GetEnvironmentVariable("STARCHAT_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
            return Path.GetFullPath(env);
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "StarChat.slnx")))
                {
                    string candidate = Path.Combine(dir.Parent?.FullName ?? dir.FullName, "shared");
                    if (Directory.Exists(candidate))
                        return candidate;
                }
            }
        }
        return null;
    }
}
