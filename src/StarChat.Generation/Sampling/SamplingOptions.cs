namespace StarChat.Generation.Sampling;

/// <summary>
/// Generation settings with Hugging Face <c>generate()</c> meanings. <see cref="DoSample"/> false is greedy decoding
/// (argmax, lowest id on ties); the warpers then do nothing. A value left null (or 0 for top-k) switches its step off.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>StarChat model cards: sample with temperature 0.2, top-k 50, top-p 0.95, up to 256 new tokens.</summary>
    public static SamplingOptions StarChatDefaults { get; } = new()
    {
        DoSample = true,
        Temperature = 0.2f,
        TopK = 50,
        TopP = 0.95f,
        MaxNewTokens = 256,
    };

    /// <summary>Greedy decoding.</summary>
    public static SamplingOptions Greedy { get; } = new() { DoSample = false };

    /// <summary><c>do_sample</c>.</summary>
    public bool DoSample { get; init; }

    /// <summary><c>temperature</c> (sampling only; must be positive).</summary>
    public float? Temperature { get; init; }

    /// <summary><c>top_k</c> (0 or null: off).</summary>
    public int? TopK { get; init; }

    /// <summary><c>top_p</c> (1 or null: off).</summary>
    public float? TopP { get; init; }

    /// <summary><c>min_p</c>.</summary>
    public float? MinP { get; init; }

    /// <summary><c>typical_p</c> (1 or null: off).</summary>
    public float? TypicalP { get; init; }

    /// <summary><c>repetition_penalty</c> (1 or null: off); applies in greedy decoding too.</summary>
    public float? RepetitionPenalty { get; init; }

    /// <summary><c>max_new_tokens</c>.</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary><c>min_new_tokens</c>: EOS ids are suppressed until this many tokens are generated.</summary>
    public int MinNewTokens { get; init; }

    /// <summary>Seed of the random draw; null picks one (runs are then not reproducible).</summary>
    public int? Seed { get; init; }

    /// <summary>Checks ranges; the message names the parameter as HF does.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (MaxNewTokens < 0) throw new ArgumentException($"max_new_tokens must be ≥ 0 (got {MaxNewTokens})");
        if (MinNewTokens < 0) throw new ArgumentException($"min_new_tokens must be ≥ 0 (got {MinNewTokens})");
        if (Temperature is { } t && (!(t >= 0) || !float.IsFinite(t))) throw new ArgumentException($"temperature must be ≥ 0 (got {t})");
        if (TopK is < 0) throw new ArgumentException($"top_k must be ≥ 0 (got {TopK})");
        if (TopP is { } p && !(p > 0 && p <= 1)) throw new ArgumentException($"top_p must be in (0, 1] (got {p})");
        if (MinP is { } m && !(m >= 0 && m <= 1)) throw new ArgumentException($"min_p must be in [0, 1] (got {m})");
        if (TypicalP is { } tp && !(tp > 0 && tp <= 1)) throw new ArgumentException($"typical_p must be in (0, 1] (got {tp})");
        if (RepetitionPenalty is { } r && (!(r > 0) || !float.IsFinite(r))) throw new ArgumentException($"repetition_penalty must be > 0 (got {r})");
    }
}
