using StarChat.Text.Chat;
using StarChat.Text.Templates;

namespace StarChat.Generation.Text;

/// <summary>
/// A model's Jinja <c>chat_template</c> as an <see cref="IChatFormat"/>. Message content stays untrusted through the
/// template, so only the template's own text becomes control tokens. Roles are trusted by the template engine, so
/// they are checked here against the roles chat templates know.
/// </summary>
public sealed class JinjaChatFormat : IChatFormat
{
    private static readonly HashSet<string> s_roles = ["system", "user", "assistant", "tool", "developer"];
    private readonly ChatTemplate _template;
    private readonly ModelTokenizer _model;

    private JinjaChatFormat(ChatTemplate template, ModelTokenizer model)
    {
        _template = template;
        _model = model;
    }

    /// <summary>Parses the model's chat template.</summary>
    /// <exception cref="ArgumentException">The model has no chat template.</exception>
    /// <exception cref="TemplateException">The template uses a construct this engine does not support, or does not parse.</exception>
    public static JinjaChatFormat Create(ModelTokenizer model)
    {
        var source = model.Config.ChatTemplate ?? throw new ArgumentException($"{model.Origin}: the model has no chat_template", nameof(model));
        return new JinjaChatFormat(ChatTemplate.Parse(source), model);
    }

    /// <inheritdoc />
    public string Name => "chat_template";

    /// <inheritdoc />
    public IReadOnlyList<string> StopStrings => [];

    /// <inheritdoc />
    /// <exception cref="TemplateException">The template raised an error (e.g. roles in an order it rejects).</exception>
    public IReadOnlyList<PromptSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        for (int i = 0; i < messages.Count; i++)
        {
            if (!s_roles.Contains(messages[i].Role))
                throw new ArgumentException($"message {i}: unknown role '{messages[i].Role}' (system, user, assistant, tool)", nameof(messages));
        }
        var config = _model.Config;
        return _template.Render(new ChatTemplateContext(messages)
        {
            AddGenerationPrompt = addGenerationPrompt,
            BosToken = config.BosToken,
            EosToken = config.EosToken,
            UnkToken = config.UnkToken,
            PadToken = config.PadToken,
        });
    }
}
