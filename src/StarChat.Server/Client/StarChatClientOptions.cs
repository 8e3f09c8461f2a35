using StarChat.Generation.Sampling;

namespace StarChat.Server.Client;

/// <summary>How a <see cref="StarChatClient"/> formats prompts and what it does when a call leaves a setting out.</summary>
public sealed record StarChatClientOptions
{
    /// <summary>Chat format name: auto, starchat, alpaca, ta, chat_template.</summary>
    public string ChatFormat { get; init; } = "auto";

    /// <summary>Technical-assistant prompt text, for the <c>ta</c> format.</summary>
    public string? TechnicalAssistantPrompt { get; init; }

    /// <summary>Calls generated together (KV-cache slots).</summary>
    public int Parallel { get; init; } = 4;

    /// <summary>Calls allowed to wait for a slot; more throw <see cref="Scheduling.QueueFullException"/>.</summary>
    public int QueueLimit { get; init; } = 64;

    /// <summary>Model id reported in responses; null uses the model's file or folder name.</summary>
    public string? ModelId { get; init; }

    /// <summary>Sampling for settings a call leaves out (the StarChat model cards' by default).</summary>
    public SamplingOptions DefaultSampling { get; init; } = SamplingOptions.StarChatDefaults;

    /// <summary>Tokens generated when a call sets no <c>MaxOutputTokens</c> (then clamped to the context).</summary>
    public int DefaultMaxTokens { get; init; } = 512;
}
