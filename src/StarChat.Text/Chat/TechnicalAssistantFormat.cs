namespace StarChat.Text.Chat;

/// <summary>
/// BigCode's Technical Assistant prompt (dataset <c>bigcode/ta-prompt</c>): a few-shot text of <c>Human:</c> /
/// <c>Assistant:</c> dialogues that makes a base StarCoder behave as a chat assistant. The query goes after it as
/// <c>\n\nHuman: {query}\n\nAssistant:</c>; generation stops on <c>\nHuman:</c>.
/// </summary>
public sealed class TechnicalAssistantFormat : IChatFormat
{
    /// <summary>Creates the format around the prompt text (e.g. the content of <c>TA_prompt_v1.txt</c>).</summary>
    public TechnicalAssistantFormat(string promptText) => PromptText = promptText;

    /// <summary>Reads the prompt text from a file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static TechnicalAssistantFormat Load(string path) => new(File.ReadAllText(path));

    /// <summary>The few-shot prompt text.</summary>
    public string PromptText { get; }

    /// <inheritdoc />
    public string Name => "ta";

    /// <inheritdoc />
    public IReadOnlyList<string> StopStrings => ["\nHuman:"];

    /// <summary>
    /// The prompt text (or a leading system message instead of it), then each turn as <c>\n\nHuman: …</c> /
    /// <c>\n\nAssistant: …</c>; with a generation prompt it ends with <c>\n\nAssistant:</c> (no space: the model writes it).
    /// </summary>
    /// <exception cref="ArgumentException">A role other than system (first), user, assistant.</exception>
    public IReadOnlyList<PromptSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        int start = 0;
        var segments = new List<PromptSegment>();
        if (messages.Count > 0 && messages[0].Role == "system")
        {
            segments.Add(PromptSegment.Plain(messages[0].Content));
            start = 1;
        }
        else
        {
            // The prompt text is trusted configuration, but it is ordinary text: nothing in it should become a control token.
            segments.Add(PromptSegment.Plain(PromptText));
        }
        bool expectReply = false;
        for (int i = start; i < messages.Count; i++)
        {
            var m = messages[i];
            switch (m.Role)
            {
                case "user":
                    segments.Add(PromptSegment.Control("\n\nHuman: "));
                    segments.Add(PromptSegment.Plain(m.Content));
                    expectReply = true;
                    break;
                case "assistant":
                    segments.Add(PromptSegment.Control("\n\nAssistant: "));
                    segments.Add(PromptSegment.Plain(m.Content));
                    expectReply = false;
                    break;
                default:
                    throw new ArgumentException($"message {i}: role '{m.Role}' is not part of the TA format (system first, then user/assistant)", nameof(messages));
            }
        }
        if (addGenerationPrompt && expectReply)
            segments.Add(PromptSegment.Control("\n\nAssistant:"));
        return segments;
    }
}
