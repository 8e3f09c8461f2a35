using System.CommandLine;

namespace StarChat.Cli;

/// <summary>Options several commands share, defined once so their names and help read the same everywhere.</summary>
internal static class CommonOptions
{
    /// <summary>
    /// <c>--model PATH</c>: a model folder or file, or a Hugging Face Hub id; defaults to the tiny fixture model when
    /// present.
    /// </summary>
    public static Option<string> Model(string description = "Model folder, tokenizer.json, .safetensors, .bin or .gguf file, or a Hub id org/name[/file.gguf][@revision]")
        => new("--model", "-m")
        {
            Description = DefaultPaths.Model is { } d ? $"{description} (default: {d})" : description,
            DefaultValueFactory = _ => DefaultPaths.Model ?? "",
        };

    /// <summary>
    /// Resolves the model option, failing clearly when neither it nor a default is available. A path that exists is
    /// returned as it is; otherwise a Hub id (<c>org/name[/file.gguf][@revision]</c>) is downloaded into the Hugging
    /// Face cache (<see cref="HubDownloads"/>) and its snapshot returned, with progress on <paramref name="context"/>'s
    /// standard error (the console's when null).
    /// </summary>
    /// <exception cref="ArgumentException">No model given.</exception>
    /// <exception cref="StarChat.Formats.Hub.HubException">The Hub download failed.</exception>
    /// <remarks>
    /// No cancellation token on purpose: an overload taking one would make CA2016 flag every caller that has a token.
    /// Ctrl+C ends the process; the partial download stays in the cache and the next run resumes it.
    /// </remarks>
    public static string RequireModel(string? value, CliContext? context = null)
    {
        if (string.IsNullOrEmpty(value))
            throw new ArgumentException("no model given: pass --model PATH (a folder, .gguf, .safetensors or .bin) or a Hub id org/name[@revision]");
        return ResolveHub(value, context);
    }

    /// <summary>
    /// <paramref name="value"/> itself when it exists or is no Hub id; otherwise the Hub snapshot (model, GGUF file or
    /// PEFT adapter) downloaded into the Hugging Face cache, as for <see cref="RequireModel"/>.
    /// </summary>
    /// <exception cref="StarChat.Formats.Hub.HubException">The Hub download failed.</exception>
    public static string ResolveHub(string value, CliContext? context = null)
    {
        var err = context?.Err ?? Console.Error;
        bool terminal = ReferenceEquals(err, Console.Error) && !Console.IsErrorRedirected;
        return HubDownloads.Resolve(value, err, terminal);
    }
}
