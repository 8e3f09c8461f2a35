namespace StarChat.Text.Chat;

/// <summary>
/// Turns a conversation into a prompt for a model trained on one dialogue layout. Control markers come out as
/// trusted segments, message text as plain ones (see <see cref="PromptSegment"/>).
/// </summary>
public interface IChatFormat
{
    /// <summary>Short name: <c>starchat</c>, <c>alpaca</c>, <c>ta</c>, <c>chat_template</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Renders the conversation. With <paramref name="addGenerationPrompt"/> the prompt ends where the model should
    /// write the next assistant turn; without it, it is the training form of the whole conversation.
    /// </summary>
    /// <exception cref="ArgumentException">The conversation has a role or order the format cannot express.</exception>
    IReadOnlyList<PromptSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt);

    /// <summary>Text that ends an assistant turn in this format (the model should stop there).</summary>
    IReadOnlyList<string> StopStrings { get; }
}
