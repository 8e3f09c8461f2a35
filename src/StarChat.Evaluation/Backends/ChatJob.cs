using StarChat.Text.Chat;

namespace StarChat.Evaluation.Backends;

/// <summary>One chat turn to answer: the conversation so far and how to sample the reply.</summary>
public sealed record ChatJob
{
    /// <summary>Messages (system, user, assistant…), the last being the user's.</summary>
    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    /// <summary>Sampling temperature; 0 is greedy (FastChat's judges use 0).</summary>
    public double Temperature { get; init; }

    /// <summary>Tokens to generate at most (FastChat's judges allow 2048).</summary>
    public int MaxNewTokens { get; init; } = 2048;

    /// <summary>Seed, when the backend supports one.</summary>
    public int? Seed { get; init; }
}
