namespace StarChat.Text.Chat;

/// <summary>
/// The Stanford Alpaca instruction format (used by e.g. GeorgiaTechResearchInstitute/starcoder-gpteacher-code-instruct):
/// a header sentence, <c>### Instruction:</c>, optionally <c>### Input:</c>, then <c>### Response:</c> with no trailing
/// newline. There is no stop token; generation ends on <c>&lt;|endoftext|&gt;</c> or, defensively, <c>\n### </c>.
/// </summary>
public sealed class AlpacaFormat : IChatFormat
{
    /// <summary>Header of the form with an input block.</summary>
    public const string HeaderWithInput =
        "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.";

    /// <summary>Header of the form without an input block.</summary>
    public const string HeaderWithoutInput =
        "Below is an instruction that describes a task. Write a response that appropriately completes the request.";

    /// <summary>The format with Alpaca's own headers.</summary>
    public static AlpacaFormat Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "alpaca";

    /// <inheritdoc />
    public IReadOnlyList<string> StopStrings => ["\n### "];

    /// <summary>One instruction (and optional input) as the Alpaca prompt, ending with <c>### Response:</c>.</summary>
    public static IReadOnlyList<PromptSegment> Instruction(string instruction, string? input = null)
    {
        bool hasInput = !string.IsNullOrEmpty(input);
        var segments = new List<PromptSegment>
        {
            PromptSegment.Control((hasInput ? HeaderWithInput : HeaderWithoutInput) + "\n\n### Instruction:\n"),
            PromptSegment.Plain(instruction),
        };
        if (hasInput)
        {
            segments.Add(PromptSegment.Control("\n\n### Input:\n"));
            segments.Add(PromptSegment.Plain(input!));
        }
        segments.Add(PromptSegment.Control("\n\n### Response:"));
        return segments;
    }

    /// <summary>
    /// A conversation as consecutive Alpaca exchanges: a system message replaces the header sentence; each user turn is
    /// an instruction and each assistant turn its response (<c>### Response:\n{reply}</c>).
    /// </summary>
    /// <exception cref="ArgumentException">A role other than system (first), user, assistant.</exception>
    public IReadOnlyList<PromptSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        int start = 0;
        string header = HeaderWithoutInput;
        if (messages.Count > 0 && messages[0].Role == "system")
        {
            header = messages[0].Content;
            start = 1;
        }
        var segments = new List<PromptSegment>();
        if (header.Length > 0)
            segments.Add(PromptSegment.Plain(header));
        bool expectResponse = false;
        for (int i = start; i < messages.Count; i++)
        {
            var m = messages[i];
            switch (m.Role)
            {
                case "user":
                    segments.Add(PromptSegment.Control(segments.Count == 0 ? "### Instruction:\n" : "\n\n### Instruction:\n"));
                    segments.Add(PromptSegment.Plain(m.Content));
                    expectResponse = true;
                    break;
                case "assistant":
                    segments.Add(PromptSegment.Control("\n\n### Response:\n"));
                    segments.Add(PromptSegment.Plain(m.Content));
                    expectResponse = false;
                    break;
                default:
                    throw new ArgumentException($"message {i}: role '{m.Role}' is not part of the Alpaca format (system first, then user/assistant)", nameof(messages));
            }
        }
        if (addGenerationPrompt && expectResponse)
            segments.Add(PromptSegment.Control("\n\n### Response:"));
        return segments;
    }
}
