using System.Text.Json;
using System.Text.Json.Serialization;

namespace StarChat.Text.Chat;

/// <summary>
/// The StarChat dialogue format (bigcode-project/starcoder <c>chat/dialogues.py</c>), as saved next to StarChat
/// checkpoints in <c>dialogue_template.json</c>:
/// <code>
/// &lt;|system|&gt;\n{system}&lt;|end|&gt;\n  (&lt;|user|&gt;|&lt;|assistant|&gt;)\n{content}&lt;|end|&gt;\n ...  [&lt;|assistant|&gt;]
/// </code>
/// The system block is always written, even when empty; the inference form ends with <c>&lt;|assistant|&gt;</c> and no newline.
/// </summary>
public sealed record DialogueTemplate : IChatFormat
{
    /// <summary>The StarChat alpha/beta template: empty default system prompt and the four chat tokens.</summary>
    public static DialogueTemplate StarChat { get; } = new();

    /// <summary><c>system</c>: the system prompt used when the conversation has none.</summary>
    [JsonPropertyName("system")] public string System { get; init; } = "";

    /// <summary><c>system_token</c>.</summary>
    [JsonPropertyName("system_token")] public string SystemToken { get; init; } = "<|system|>";

    /// <summary><c>user_token</c>.</summary>
    [JsonPropertyName("user_token")] public string UserToken { get; init; } = "<|user|>";

    /// <summary><c>assistant_token</c>.</summary>
    [JsonPropertyName("assistant_token")] public string AssistantToken { get; init; } = "<|assistant|>";

    /// <summary><c>end_token</c>: closes every turn; generation stops on it.</summary>
    [JsonPropertyName("end_token")] public string EndToken { get; init; } = "<|end|>";

    /// <inheritdoc />
    public string Name => "starchat";

    /// <inheritdoc />
    public IReadOnlyList<string> StopStrings => [EndToken];

    /// <inheritdoc />
    public IReadOnlyList<PromptSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
        => addGenerationPrompt ? Inference(messages) : Training(messages);

    /// <summary>Reads a <c>dialogue_template.json</c>.</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON or lacks a token; the message names the file.</exception>
    public static DialogueTemplate Load(string path)
    {
        DialogueTemplate? template;
        try
        {
            template = JsonSerializer.Deserialize(File.ReadAllBytes(path), TextJsonContext.Default.DialogueTemplate);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid dialogue template ({e.Message})", e);
        }
        if (template is null || string.IsNullOrEmpty(template.SystemToken) || string.IsNullOrEmpty(template.UserToken)
            || string.IsNullOrEmpty(template.AssistantToken) || string.IsNullOrEmpty(template.EndToken))
            throw new InvalidDataException($"{path}: dialogue template needs system_token, user_token, assistant_token and end_token");
        return template with { System = template.System ?? "" };
    }

    /// <summary>
    /// The prompt that asks the model for the next assistant turn: every message, then <c>&lt;|assistant|&gt;</c>.
    /// A leading system message replaces <see cref="System"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A message has a role other than system (first only), user or assistant.</exception>
    public IReadOnlyList<PromptSegment> Inference(IReadOnlyList<ChatMessage> messages)
    {
        var segments = Dialogue(messages);
        segments.Add(PromptSegment.Control(AssistantToken));
        return segments;
    }

    /// <summary>The training string: every message closed by <c>&lt;|end|&gt;\n</c>, with no generation prompt.</summary>
    /// <exception cref="ArgumentException">A message has a role other than system (first only), user or assistant.</exception>
    public IReadOnlyList<PromptSegment> Training(IReadOnlyList<ChatMessage> messages) => Dialogue(messages);

    private List<PromptSegment> Dialogue(IReadOnlyList<ChatMessage> messages)
    {
        int start = 0;
        string system = System;
        if (messages.Count > 0 && messages[0].Role == "system")
        {
            system = messages[0].Content;
            start = 1;
        }
        var segments = new List<PromptSegment>(2 + 3 * messages.Count)
        {
            PromptSegment.Control(SystemToken + "\n"),
            PromptSegment.Plain(system),
            PromptSegment.Control(EndToken + "\n"),
        };
        for (int i = start; i < messages.Count; i++)
        {
            var m = messages[i];
            string token = m.Role switch
            {
                "user" => UserToken,
                "assistant" => AssistantToken,
                "system" => throw new ArgumentException($"message {i}: a system message may only come first", nameof(messages)),
                _ => throw new ArgumentException($"message {i}: role '{m.Role}' is not part of the StarChat format (system, user, assistant)", nameof(messages)),
            };
            segments.Add(PromptSegment.Control(token + "\n"));
            segments.Add(PromptSegment.Plain(m.Content));
            segments.Add(PromptSegment.Control(EndToken + "\n"));
        }
        return segments;
    }
}
