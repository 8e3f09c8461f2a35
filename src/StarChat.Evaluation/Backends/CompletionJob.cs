namespace StarChat.Evaluation.Backends;

/// <summary>"Continue this prompt <see cref="Count"/> times with these settings, stopping at these strings."</summary>
public sealed record CompletionJob
{
    /// <summary>Text to continue (sent as is; no chat template is applied).</summary>
    public required string Prompt { get; init; }

    /// <summary>Independent samples wanted.</summary>
    public int Count { get; init; } = 1;

    /// <summary>Sampling temperature; 0 means greedy decoding.</summary>
    public double Temperature { get; init; } = 0.2;

    /// <summary>Nucleus mass (1 = off).</summary>
    public double TopP { get; init; } = 0.95;

    /// <summary>Top-k (0 = off, the harness's default).</summary>
    public int TopK { get; init; }

    /// <summary>Tokens to generate at most.</summary>
    public int MaxNewTokens { get; init; } = 512;

    /// <summary>Strings that end a sample (not included in the returned text).</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Seed of the first sample (sample i uses seed + i) for reproducible runs; null for random.</summary>
    public int? Seed { get; init; }
}
