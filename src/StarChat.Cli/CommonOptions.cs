using System.CommandLine;

namespace StarChat.Cli;

/// <summary>Options several commands share, defined once so their names and help read the same everywhere.</summary>
internal static class CommonOptions
{
    /// <summary><c>--model PATH</c>: a model folder or file; defaults to the tiny fixture model when present.</summary>
    public static Option<string> Model(string description = "Model folder, tokenizer.json, .safetensors, .bin or .gguf file")
        => new("--model", "-m")
        {
            Description = DefaultPaths.Model is { } d ? $"{description} (default: {d})" : description,
            DefaultValueFactory = _ => DefaultPaths.Model ?? "",
        };

    /// <summary>Resolves the model option, failing clearly when neither it nor a default is available.</summary>
    public static string RequireModel(string? value)
        => string.IsNullOrEmpty(value)
            ? throw new ArgumentException("no model given: pass --model PATH (a folder, .gguf, .safetensors or .bin)")
            : value;
}
