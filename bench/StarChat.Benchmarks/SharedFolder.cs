namespace StarChat.Benchmarks;

/// <summary>Finds ../shared beside the repository (or STARCHAT_SHARED) for benchmark inputs.</summary>
internal static class SharedFolder
{
    public static string Find()
    {
        var env = Environment.GetEnvironmentVariable("STARCHAT_SHARED");
        if (!string.IsNullOrEmpty(env)) return env;
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "StarChat.slnx")) && Directory.Exists(Path.Combine(dir.FullName, "..", "shared")))
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
            }
        }
        throw new DirectoryNotFoundException("../shared not found; set STARCHAT_SHARED");
    }
}
