using StarChat.Testing;

namespace StarChat.Formats.Tests.Support;

/// <summary>Every model file and folder under shared/fixtures, relative to it.</summary>
internal static class FixturePaths
{
    public static readonly string[] Folders =
    [
        "tiny-starchat", "tiny-starchat-bf16", "tiny-starchat-f16-bin", "tiny-starchat-8bit",
        "tiny-starchat-gptq", "tiny-starchat-gptq-actorder", "tiny-starchat-lora",
    ];

    /// <summary>Weight files: GGUF, legacy GGML, and every safetensors / .bin inside the folders.</summary>
    public static IEnumerable<string> WeightFiles()
    {
        var root = SharedPaths.Fixtures();
        foreach (var dir in new[] { "gguf", "ggml" }.Concat(Folders))
        {
            foreach (var file in Directory.GetFiles(Path.Combine(root, dir)).Order(StringComparer.Ordinal))
            {
                if (file.EndsWith(".gguf", StringComparison.Ordinal) || file.EndsWith(".bin", StringComparison.Ordinal)
                    || file.EndsWith(".safetensors", StringComparison.Ordinal))
                    yield return Path.GetRelativePath(root, file);
            }
        }
    }

    public static TheoryData<string> AllFiles() => [.. WeightFiles()];

    public static TheoryData<string> AllFolders() => [.. Folders];

    public static TheoryData<string> Everything() => [.. WeightFiles().Concat(Folders)];
}
