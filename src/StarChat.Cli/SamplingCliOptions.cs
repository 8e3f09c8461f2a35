using System.CommandLine;
using StarChat.Engine.Kernels;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Generation.Sampling;

namespace StarChat.Cli;

/// <summary>
/// Sampling and engine options shared by <c>run</c>, <c>chat</c> and <c>serve</c>. Defaults are the StarChat model
/// cards' (temperature 0.2, top-k 50, top-p 0.95, 256 new tokens).
/// </summary>
internal sealed class SamplingCliOptions
{
    public Option<float?> Temperature { get; } = new("--temperature") { Description = "Sampling temperature (default 0.2; 0 = greedy)" };
    public Option<int?> TopK { get; } = new("--top-k") { Description = "Keep the k most likely tokens (default 50; 0 = off)" };
    public Option<float?> TopP { get; } = new("--top-p") { Description = "Nucleus sampling mass (default 0.95; 1 = off)" };
    public Option<float?> MinP { get; } = new("--min-p") { Description = "Drop tokens below min-p × the top probability" };
    public Option<float?> TypicalP { get; } = new("--typical-p") { Description = "Locally typical sampling mass" };
    public Option<float?> RepetitionPenalty { get; } = new("--repetition-penalty") { Description = "Hugging Face repetition penalty (1 = off)" };
    public Option<int?> MaxNewTokens { get; } = new("--max-new-tokens", "-n") { Description = "Tokens to generate at most (default 256)" };
    public Option<int?> MinNewTokens { get; } = new("--min-new-tokens") { Description = "Tokens to generate before an end token is allowed" };
    public Option<int?> Seed { get; } = new("--seed") { Description = "Random seed for reproducible sampling" };
    public Option<bool> Greedy { get; } = new("--greedy") { Description = "Greedy decoding (argmax), no sampling" };
    public Option<int> Threads { get; } = new("--threads", "-t") { Description = "CPU threads (default: all cores)" };
    public Option<string> KvCache { get; } = new("--kv-cache") { Description = "Key/value cache type: f32 or f16", DefaultValueFactory = _ => "f32" };
    public LoraCliOptions Lora { get; init; } = new();
    public Option<bool> Exact { get; } = ExactOption();

    /// <summary><c>--exact</c>: quantized weights dequantized to f32 instead of llama.cpp-style 8-bit activations.</summary>
    public static Option<bool> ExactOption() => new("--exact") { Description = "Quantized weights as exact f32 (slow reference) instead of 8-bit integer dot products" };

    public static QuantizedMatMul QuantizedMatMulOf(ParseResult parse, Option<bool> exact)
        => parse.GetValue(exact) ? QuantizedMatMul.Exact : QuantizedMatMul.Fast;

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Temperature, TopK, TopP, MinP, TypicalP, RepetitionPenalty, MaxNewTokens, MinNewTokens, Seed, Greedy, Threads, KvCache, Exact })
            command.Options.Add(option);
        Lora.AddTo(command);
    }

    public SamplingOptions Sampling(ParseResult parse)
    {
        var defaults = SamplingOptions.StarChatDefaults;
        var options = defaults with
        {
            DoSample = !parse.GetValue(Greedy) && parse.GetValue(Temperature) is not 0f,
            Temperature = parse.GetValue(Temperature) ?? defaults.Temperature,
            TopK = parse.GetValue(TopK) ?? defaults.TopK,
            TopP = parse.GetValue(TopP) ?? defaults.TopP,
            MinP = parse.GetValue(MinP),
            TypicalP = parse.GetValue(TypicalP),
            RepetitionPenalty = parse.GetValue(RepetitionPenalty),
            MaxNewTokens = parse.GetValue(MaxNewTokens) ?? defaults.MaxNewTokens,
            MinNewTokens = parse.GetValue(MinNewTokens) ?? 0,
            Seed = parse.GetValue(Seed),
        };
        options.Validate();
        return options;
    }

    public ModelOptions Engine(ParseResult parse, CliContext? context = null) => new()
    {
        Threads = parse.GetValue(Threads),
        KvCache = parse.GetValue(KvCache) switch
        {
            "f32" => KvCacheType.F32,
            "f16" => KvCacheType.F16,
            var other => throw new ArgumentException($"--kv-cache must be f32 or f16, not '{other}'"),
        },
        Adapters = Lora.Adapters(parse, context),
        QuantizedMatMul = QuantizedMatMulOf(parse, Exact),
    };
}
