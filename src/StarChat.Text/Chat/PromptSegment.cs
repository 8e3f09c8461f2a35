namespace StarChat.Text.Chat;

/// <summary>
/// A piece of a prompt with its trust level. Prompt formats emit their own control text (<c>&lt;|user|&gt;</c>,
/// <c>&lt;fim_prefix&gt;</c>) as trusted segments, and everything a user wrote as untrusted ones, so the tokenizer
/// turns only the format's markers into control tokens: a user who types <c>&lt;|end|&gt;</c> gets those characters.
/// </summary>
/// <param name="Text">The text.</param>
/// <param name="ParseSpecialTokens">True when special-token strings in <paramref name="Text"/> become control tokens.</param>
public readonly record struct PromptSegment(string Text, bool ParseSpecialTokens)
{
    /// <summary>Text written by the prompt format itself: special tokens in it are parsed.</summary>
    public static PromptSegment Control(string text) => new(text, true);

    /// <summary>Text from a user, a document or a model reply: encoded as plain text.</summary>
    public static PromptSegment Plain(string text) => new(text, false);
}
