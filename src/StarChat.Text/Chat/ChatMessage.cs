namespace StarChat.Text.Chat;

/// <summary>One turn of a conversation. <see cref="Role"/> is one of <c>system</c>, <c>user</c>, <c>assistant</c> (others are passed to templates as they are).</summary>
public sealed record ChatMessage(string Role, string Content)
{
    /// <summary>A system message.</summary>
    public static ChatMessage System(string content) => new("system", content);

    /// <summary>A user message.</summary>
    public static ChatMessage User(string content) => new("user", content);

    /// <summary>An assistant message.</summary>
    public static ChatMessage Assistant(string content) => new("assistant", content);
}
