using StarChat.Text.Chat;

namespace StarChat.Generation.Text;

/// <summary>Picks the chat format for a model by name: <c>starchat</c>, <c>alpaca</c>, <c>ta</c>, <c>chat_template</c> or <c>auto</c>.</summary>
public static class ChatFormats
{
    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["auto", "starchat", "alpaca", "ta", "chat_template"];

    /// <summary>
    /// Creates the named format for <paramref name="model"/>. <c>auto</c> uses the model's <c>chat_template</c> when it
    /// has one, else the StarChat dialogue format when the vocabulary has its tokens, else the technical-assistant prompt.
    /// </summary>
    /// <param name="name">Format name.</param>
    /// <param name="model">The model's tokenizer and configuration.</param>
    /// <param name="technicalAssistantPrompt">Path of the TA prompt text (needed by <c>ta</c>).</param>
    /// <exception cref="ArgumentException">Unknown name, or the model lacks what the format needs.</exception>
    public static IChatFormat Create(string name, ModelTokenizer model, string? technicalAssistantPrompt = null)
    {
        switch (name)
        {
            case "starchat":
                return model.Dialogue ?? DialogueTemplate.StarChat;
            case "alpaca":
                return AlpacaFormat.Instance;
            case "ta":
                if (technicalAssistantPrompt is null || !File.Exists(technicalAssistantPrompt))
                    throw new ArgumentException($"the 'ta' format needs the technical-assistant prompt text (TA_prompt_v1.txt from bigcode/ta-prompt); not found at '{technicalAssistantPrompt}'", nameof(technicalAssistantPrompt));
                return TechnicalAssistantFormat.Load(technicalAssistantPrompt);
            case "chat_template":
                if (model.Config.ChatTemplate is null)
                    throw new ArgumentException($"{model.Origin}: the model has no chat_template", nameof(name));
                return JinjaChatFormat.Create(model);
            case "auto":
                if (model.Config.ChatTemplate is not null)
                    return JinjaChatFormat.Create(model);
                if (model.Dialogue is not null || model.Tokenizer.TokenToId("<|assistant|>") is not null)
                    return model.Dialogue ?? DialogueTemplate.StarChat;
                if (technicalAssistantPrompt is not null && File.Exists(technicalAssistantPrompt))
                    return TechnicalAssistantFormat.Load(technicalAssistantPrompt);
                return AlpacaFormat.Instance;
            default:
                throw new ArgumentException($"unknown chat format '{name}' (known: {string.Join(", ", Names)})", nameof(name));
        }
    }
}
