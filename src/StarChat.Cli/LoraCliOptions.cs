using System.CommandLine;
using StarChat.Engine.Models.GptBigCode;

namespace StarChat.Cli;

/// <summary>
/// <c>--lora DIR</c> (repeatable) and <c>--lora-scale S</c> (repeatable, paired with the adapters in order; 1 when
/// fewer are given), shared by run, chat, logits and merge.
/// </summary>
internal sealed class LoraCliOptions
{
    public Option<string[]> Lora { get; } = new("--lora")
    {
        Description = "PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors), applied without merging; repeatable",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<float[]> LoraScale { get; } = new("--lora-scale")
    {
        Description = "Factor on each adapter's update (lora_alpha/r already applied), in --lora order; default 1",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Lora);
        command.Options.Add(LoraScale);
    }

    /// <summary>The adapters with their factors.</summary>
    /// <exception cref="ArgumentException">More scales than adapters.</exception>
    public IReadOnlyList<LoraAdapterOption> Adapters(ParseResult parse)
    {
        var paths = parse.GetValue(Lora) ?? [];
        var scales = parse.GetValue(LoraScale) ?? [];
        if (scales.Length > paths.Length)
            throw new ArgumentException($"{scales.Length} --lora-scale values for {paths.Length} --lora adapters");
        return [.. paths.Select((p, i) => new LoraAdapterOption(p, i < scales.Length ? scales[i] : 1f))];
    }
}
