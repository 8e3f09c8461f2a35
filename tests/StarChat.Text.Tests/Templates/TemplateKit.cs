using StarChat.Text.Chat;
using StarChat.Text.Templates;

namespace StarChat.Text.Tests.Templates;

/// <summary>Short ways to render a template in tests.</summary>
internal static class TemplateKit
{
    public static string Render(string source, object? variables = null, IReadOnlyList<ChatMessage>? messages = null,
        bool addGenerationPrompt = false, ChatTemplateOptions? options = null) =>
        ChatTemplate.Parse(source, options).RenderToString(Context(variables, messages, addGenerationPrompt));

    public static IReadOnlyList<PromptSegment> Segments(string source, object? variables = null, IReadOnlyList<ChatMessage>? messages = null,
        bool addGenerationPrompt = false) =>
        ChatTemplate.Parse(source).Render(Context(variables, messages, addGenerationPrompt));

    public static ChatTemplateContext Context(object? variables = null, IReadOnlyList<ChatMessage>? messages = null, bool addGenerationPrompt = false) =>
        new(messages ?? [])
        {
            AddGenerationPrompt = addGenerationPrompt,
            Variables = variables as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>(),
            Now = new DateTimeOffset(2024, 7, 26, 15, 4, 5, TimeSpan.Zero),
        };

    public static Dictionary<string, object?> Vars(params (string Name, object? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Name, p => p.Value);
}
