using StarChat.Text.Chat;

namespace StarChat.Text.Templates;

/// <summary>
/// What a chat template is rendered with, mirroring Hugging Face's <c>apply_chat_template</c>: <c>messages</c>,
/// <c>add_generation_prompt</c>, the special-token strings, <c>tools</c>/<c>documents</c> and extra keyword
/// variables. Roles and special tokens are trusted (they may become control tokens); message content and every
/// string in <see cref="Variables"/> are untrusted and stay plain text whatever the template does with them.
/// </summary>
public sealed record ChatTemplateContext
{
    /// <summary>Creates a context for <paramref name="messages"/>.</summary>
    public ChatTemplateContext(IReadOnlyList<ChatMessage> messages) => Messages = messages;

    /// <summary><c>messages</c>: each a dict with <c>role</c> (trusted) and <c>content</c> (untrusted).</summary>
    public IReadOnlyList<ChatMessage> Messages { get; init; }

    /// <summary>
    /// Extra fields of each message (such as <c>tool_calls</c>, <c>tool_call_id</c>, <c>name</c>, or a structured
    /// <c>content</c> list), index-aligned with <see cref="Messages"/>; null entries add nothing. Values are converted as
    /// <see cref="Variables"/> are and are untrusted. They may replace <c>content</c> but not <c>role</c>.
    /// </summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>?> MessageFields { get; init; } = [];

    /// <summary><c>add_generation_prompt</c>: end with the opening of an assistant turn.</summary>
    public bool AddGenerationPrompt { get; init; }

    /// <summary><c>bos_token</c>; undefined in the template when null.</summary>
    public string? BosToken { get; init; }

    /// <summary><c>eos_token</c>; undefined in the template when null.</summary>
    public string? EosToken { get; init; }

    /// <summary><c>unk_token</c>; undefined in the template when null.</summary>
    public string? UnkToken { get; init; }

    /// <summary><c>pad_token</c>; undefined in the template when null.</summary>
    public string? PadToken { get; init; }

    /// <summary><c>additional_special_tokens</c> (trusted strings).</summary>
    public IReadOnlyList<string> AdditionalSpecialTokens { get; init; } = [];

    /// <summary>
    /// Extra variables, such as <c>tools</c>, <c>documents</c> or template switches like <c>enable_thinking</c>.
    /// Values may be null, bool, numbers, strings, <see cref="System.Text.Json.JsonElement"/>, string-keyed
    /// dictionaries and lists of these; strings are untrusted. <c>tools</c> and <c>documents</c> are None unless
    /// given, as in Hugging Face. Names of the built-in variables above are rejected.
    /// </summary>
    public IReadOnlyDictionary<string, object?> Variables { get; init; } = new Dictionary<string, object?>();

    /// <summary>The time <c>strftime_now</c> formats; the current local time when null.</summary>
    public DateTimeOffset? Now { get; init; }
}
