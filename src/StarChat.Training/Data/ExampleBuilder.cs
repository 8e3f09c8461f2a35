using StarChat.Text.Chat;
using StarChat.Text.Tokenization;
using StarChat.Training.Model;

namespace StarChat.Training.Data;

/// <summary>
/// Turns a dialogue into token ids and labels with every user turn masked, as the StarChat code's
/// <c>mask_user_labels</c> intends: from each user marker (<c>&lt;|user|&gt;</c>, or Alpaca's
/// <c>### Instruction:</c>) up to, not including, the next assistant marker (<c>&lt;|assistant|&gt;</c> /
/// <c>### Response:</c>) the labels are −100; the system turn and the assistant marker stay in the loss.
/// </summary>
/// <remarks>
/// The text is rendered by the project's chat formats as trusted control segments and plain message text, and each
/// segment is encoded on its own (<see cref="ByteLevelBpeTokenizer.Encode(IEnumerable{PromptSegment})"/>): a user who
/// writes <c>&lt;|end|&gt;</c> in a message gets those characters, not the control token, and the mask follows the
/// segments rather than searching the ids. For StarChat data this equals Hugging Face's tokenization of the whole
/// string except where a message starts with whitespace (the pre-tokenizer would join it to the marker's newline).
/// </remarks>
public sealed class ExampleBuilder
{
    private readonly ByteLevelBpeTokenizer _tokenizer;
    private readonly DialogueFormat _format;
    private readonly DialogueTemplate _template;
    private readonly string? _system;
    private readonly int _endOfText;

    /// <summary>Creates a builder.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="format">StarChat or Alpaca.</param>
    /// <param name="template">The StarChat template (the model's <c>dialogue_template.json</c>); null for StarChat's own.</param>
    /// <param name="system">A system prompt for dialogues that have none; null keeps the template's (empty for StarChat).</param>
    /// <exception cref="ArgumentException">The format is StarChat and the tokenizer lacks the template's special tokens, or Alpaca and it has no end-of-text token.</exception>
    public ExampleBuilder(ByteLevelBpeTokenizer tokenizer, DialogueFormat format, DialogueTemplate? template = null, string? system = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _format = format;
        _template = template ?? DialogueTemplate.StarChat;
        _system = system;
        if (format == DialogueFormat.StarChat)
        {
            foreach (var token in new[] { _template.SystemToken, _template.UserToken, _template.AssistantToken, _template.EndToken })
            {
                if (tokenizer.TokenToId(token) is null)
                    throw new ArgumentException($"the tokenizer has no '{token}' token: the StarChat format needs the four chat tokens (use --format alpaca for a base StarCoder tokenizer)");
            }
        }
        _endOfText = format == DialogueFormat.Alpaca
            ? tokenizer.EosTokenId ?? tokenizer.TokenToId("<|endoftext|>") ?? throw new ArgumentException("the tokenizer has no end-of-text token, which the Alpaca format needs")
            : -1;
    }

    /// <summary>Renders, encodes and masks one dialogue (not truncated).</summary>
    /// <exception cref="ArgumentException">A role the format cannot express.</exception>
    public BuiltExample Build(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var ids = new List<int>();
        var labels = new List<int>();
        int firstAssistantToken = -1;
        bool masked = false;
        foreach (var segment in Render(messages))
        {
            if (segment.ParseSpecialTokens)
            {
                if (IsUserMarker(segment.Text))
                    masked = true;
                else if (IsAssistantMarker(segment.Text))
                {
                    masked = false;
                    if (firstAssistantToken < 0)
                        firstAssistantToken = ids.Count;
                }
                else if (IsSystemMarker(segment.Text))
                    masked = false;
            }
            int start = ids.Count;
            _tokenizer.Encode(segment.Text.AsSpan(), ids, segment.ParseSpecialTokens);
            for (int i = start; i < ids.Count; i++)
                labels.Add(masked ? TrainingBatch.IgnoreIndex : ids[i]);
        }
        if (_format == DialogueFormat.Alpaca)
        {
            ids.Add(_endOfText);
            labels.Add(_endOfText);
        }
        return new BuiltExample(new TrainingExample([.. ids], [.. labels]), firstAssistantToken);
    }

    private IReadOnlyList<PromptSegment> Render(IReadOnlyList<ChatMessage> messages)
    {
        bool hasSystem = messages.Count > 0 && messages[0].Role == "system";
        if (_format == DialogueFormat.StarChat)
            return (_system is null || hasSystem ? _template : _template with { System = _system }).Training(messages);
        var withSystem = _system is not null && !hasSystem ? [ChatMessage.System(_system), .. messages] : messages;
        return AlpacaFormat.Instance.Render(withSystem, addGenerationPrompt: false);
    }

    private bool IsUserMarker(string control)
        => _format == DialogueFormat.StarChat ? control.StartsWith(_template.UserToken, StringComparison.Ordinal) : control.Contains("### Instruction:", StringComparison.Ordinal);

    private bool IsAssistantMarker(string control)
        => _format == DialogueFormat.StarChat ? control.StartsWith(_template.AssistantToken, StringComparison.Ordinal) : control.Contains("### Response:", StringComparison.Ordinal);

    private bool IsSystemMarker(string control)
        => _format == DialogueFormat.StarChat && control.StartsWith(_template.SystemToken, StringComparison.Ordinal);
}

/// <summary>An encoded dialogue before truncation or packing.</summary>
/// <param name="Example">Ids and labels.</param>
/// <param name="FirstAssistantToken">Index of the first token of the first assistant turn, −1 when there is none.</param>
public sealed record BuiltExample(TrainingExample Example, int FirstAssistantToken);
