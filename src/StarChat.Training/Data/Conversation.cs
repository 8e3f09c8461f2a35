using StarChat.Text.Chat;

namespace StarChat.Training.Data;

/// <summary>One dialogue read from an input file, with where it came from for messages and statistics.</summary>
/// <param name="Messages">The turns (roles system, user, assistant).</param>
/// <param name="Line">1-based line of the input file.</param>
/// <param name="Id">The record's own id when it has one (<c>message_tree_id</c>, <c>id</c>), else null.</param>
public sealed record Conversation(IReadOnlyList<ChatMessage> Messages, int Line, string? Id = null)
{
    /// <summary>True when some turn is the assistant's: there is something to learn.</summary>
    public bool HasAssistantTurn => Messages.Any(m => m.Role == "assistant");
}
