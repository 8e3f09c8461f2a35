using System.CommandLine;
using System.Text.RegularExpressions;
using StarChat.Engine.Models.GptBigCode;

namespace StarChat.Cli;

/// <summary>
/// <c>--lora DIR</c> (repeatable) and <c>--lora-scale S</c> (repeatable, paired with the adapters in order; 1 when
/// fewer are given), shared by run, chat, logits, merge and serve. On <c>serve</c> an adapter may be named,
/// <c>--lora NAME=DIR</c>: requests then choose it by that name, and adapters without a name apply to every request.
/// </summary>
internal sealed partial class LoraCliOptions
{
    private readonly bool _named;

    /// <param name="named">Accept <c>NAME=DIR</c> (serve's per-request adapters).</param>
    public LoraCliOptions(bool named = false)
    {
        _named = named;
        Lora = new("--lora")
        {
            Description = named
                ? "PEFT LoRA adapter folder or Hub id org/name[@revision]. NAME=DIR loads it for requests that ask for NAME (TGI parameters.adapter_id, OpenAI model); a bare DIR applies to every request. Repeatable"
                : "PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) or Hub id org/name[@revision], applied without merging; repeatable",
            AllowMultipleArgumentsPerToken = false,
        };
    }

    public Option<string[]> Lora { get; }

    public Option<float[]> LoraScale { get; } = new("--lora-scale")
    {
        Description = "Factor on each adapter's update (lora_alpha/r already applied), in --lora order; default 1",
    };

    /// <summary>A name before <c>=</c>: letters, digits, <c>.</c>, <c>_</c>, <c>-</c> (anything else is read as part of a path).</summary>
    [GeneratedRegex(@"^(?<name>[A-Za-z0-9][A-Za-z0-9._-]*)=(?<path>.+)$")]
    private static partial Regex NamedPattern();

    public void AddTo(Command command)
    {
        command.Options.Add(Lora);
        command.Options.Add(LoraScale);
    }

    /// <summary>The adapters with their factors (and names, on serve).</summary>
    /// <param name="parse">The command line.</param>
    /// <param name="context">Where Hub download progress goes (the console's standard error when null).</param>
    /// <exception cref="ArgumentException">More scales than adapters, or a named adapter where names are not accepted.</exception>
    /// <exception cref="StarChat.Formats.Hub.HubException">An adapter given as a Hub id could not be downloaded.</exception>
    public IReadOnlyList<LoraAdapterOption> Adapters(ParseResult parse, CliContext? context = null)
    {
        var values = parse.GetValue(Lora) ?? [];
        var scales = parse.GetValue(LoraScale) ?? [];
        if (scales.Length > values.Length)
            throw new ArgumentException($"{scales.Length} --lora-scale values for {values.Length} --lora adapters");
        var result = new List<LoraAdapterOption>(values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            var (name, path) = Split(values[i]);
            if (name is not null && !_named)
                throw new ArgumentException($"--lora {values[i]}: named adapters (NAME=DIR) are for `serve`, where requests choose them; here every --lora applies (write ./{values[i]} for a folder with '=' in its name)");
            result.Add(new LoraAdapterOption(CommonOptions.ResolveHub(path, context), i < scales.Length ? scales[i] : 1f, name));
        }
        return result;
    }

    /// <summary><c>NAME=DIR</c> into its parts; a value that does not start with a name is all path.</summary>
    internal static (string? Name, string Path) Split(string value)
        => NamedPattern().Match(value) is { Success: true } m ? (m.Groups["name"].Value, m.Groups["path"].Value) : (null, value);
}
