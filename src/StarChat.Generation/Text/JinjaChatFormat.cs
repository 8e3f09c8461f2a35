using StarChat.Text.Chat;

namespace StarChat.Generation.Text;

/// <summary>A model's Jinja <c>chat_template</c> as an <see cref="IChatFormat"/>.</summary>
internal static class JinjaChatFormat
{
    public static IChatFormat Create(ModelTokenizer model)
        => throw new NotSupportedException($"{model.Origin}: chat_template rendering is not available yet");
}
