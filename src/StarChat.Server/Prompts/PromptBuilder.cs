using StarChat.Server.Requests;
using StarChat.Text.Chat;
using StarChat.Text.Tokenization;

namespace StarChat.Server.Prompts;

/// <summary>
/// Turns what clients send into prompt ids. Chat messages go through the model's chat format, which alone inserts
/// control tokens: message content is encoded as plain text, so a user who types <c>&lt;|end|&gt;</c> gets those
/// characters. Raw completion prompts belong to the client (as with TGI and llama.cpp, special-token text in them is
/// parsed), except that a fill-in-the-middle prompt is rebuilt so the code between the sentinels stays plain text.
/// </summary>
public sealed class PromptBuilder
{
    private static readonly HashSet<string> s_roles = ["system", "user", "assistant", "tool"];
    private readonly ByteLevelBpeTokenizer _tokenizer;
    private readonly IChatFormat _format;
    private readonly int[] _endOfText;
    private readonly FillInTheMiddle? _fim;

    /// <summary>Creates a builder for one model.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="format">The chat format.</param>
    /// <param name="endOfTextIds">Ids that end any generation (the model's <c>eos_token_id</c> list).</param>
    public PromptBuilder(ByteLevelBpeTokenizer tokenizer, IChatFormat format, IReadOnlyList<int> endOfTextIds)
    {
        _tokenizer = tokenizer;
        _format = format;
        _endOfText = [.. endOfTextIds];
        _fim = FillInTheMiddle.Detect(t => tokenizer.TokenToId(t) is not null);
        (ChatStopIds, ChatStopStrings) = SplitStops(format.StopStrings);
    }

    /// <summary>The chat format in use.</summary>
    public IChatFormat Format => _format;

    /// <summary>True when the vocabulary has fill-in-the-middle sentinels.</summary>
    public bool SupportsInfill => _fim is not null;

    private IReadOnlyList<int> ChatStopIds { get; }

    private IReadOnlyList<string> ChatStopStrings { get; }

    /// <summary>The prompt asking for the next assistant turn of <paramref name="messages"/>.</summary>
    /// <exception cref="InvalidRequestException">A role is not system, user, assistant or tool, or the format rejects the conversation.</exception>
    public BuiltPrompt Chat(IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count == 0)
            throw new InvalidRequestException("messages must hold at least one message", "messages");
        for (int i = 0; i < messages.Count; i++)
        {
            if (!s_roles.Contains(messages[i].Role))
                throw new InvalidRequestException($"messages[{i}].role '{messages[i].Role}' is not one of system, user, assistant, tool", $"messages[{i}].role");
        }
        IReadOnlyList<PromptSegment> segments;
        try
        {
            segments = _format.Render(messages, addGenerationPrompt: true);
        }
        catch (Exception e) when (e is ArgumentException or StarChat.Text.Templates.TemplateException)
        {
            throw new InvalidRequestException($"the {_format.Name} chat format cannot express this conversation: {CleanMessage(e)}", "messages");
        }
        return new BuiltPrompt(_tokenizer.Encode(segments), ChatStopIds, ChatStopStrings, IsChat: true);
    }

    /// <summary>A raw completion prompt; a PSM or SPM fill-in-the-middle prompt keeps its code as plain text.</summary>
    public BuiltPrompt Completion(string prompt)
    {
        if (_fim is { } fim && TrySplitFim(fim, prompt) is { } parts)
            return new BuiltPrompt(_tokenizer.Encode(fim.Build(parts.Prefix, parts.Suffix, parts.Mode)), _endOfText, [], IsChat: false);
        return new BuiltPrompt(_tokenizer.Encode(prompt, parseSpecialTokens: true), _endOfText, [], IsChat: false);
    }

    /// <summary>Fill in the gap between <paramref name="prefix"/> and <paramref name="suffix"/> (OpenAI <c>suffix</c>).</summary>
    /// <exception cref="InvalidRequestException">The vocabulary has no fill-in-the-middle tokens.</exception>
    public BuiltPrompt Infill(string prefix, string suffix)
    {
        var fim = _fim ?? throw new InvalidRequestException("suffix (fill-in-the-middle) needs a model whose vocabulary has <fim_prefix>, <fim_suffix> and <fim_middle>", "suffix");
        return new BuiltPrompt(_tokenizer.Encode(fim.Build(prefix, suffix)), _endOfText, [], IsChat: false);
    }

    /// <summary>A prompt given as token ids.</summary>
    /// <exception cref="InvalidRequestException">An id is outside the vocabulary.</exception>
    public BuiltPrompt Tokens(IReadOnlyList<int> ids, string param)
    {
        for (int i = 0; i < ids.Count; i++)
        {
            if ((uint)ids[i] >= (uint)_tokenizer.VocabSize)
                throw new InvalidRequestException($"{param}[{i}] = {ids[i]} is not a token id (0..{_tokenizer.VocabSize - 1})", param);
        }
        return new BuiltPrompt([.. ids], _endOfText, [], IsChat: false);
    }

    /// <summary>
    /// <c>&lt;fim_prefix&gt;P&lt;fim_suffix&gt;S&lt;fim_middle&gt;</c> (PSM, what editor plugins send) or
    /// <c>&lt;fim_prefix&gt;&lt;fim_suffix&gt;S&lt;fim_middle&gt;P</c> (SPM); null when the prompt is neither.
    /// </summary>
    internal static (string Prefix, string Suffix, FimMode Mode)? TrySplitFim(FillInTheMiddle fim, string prompt)
    {
        if (!prompt.StartsWith(fim.Prefix, StringComparison.Ordinal))
            return null;
        string rest = prompt[fim.Prefix.Length..];
        if (rest.StartsWith(fim.Suffix, StringComparison.Ordinal))
        {
            rest = rest[fim.Suffix.Length..];
            int middle = rest.IndexOf(fim.Middle, StringComparison.Ordinal);
            return middle < 0 ? null : (rest[(middle + fim.Middle.Length)..], rest[..middle], FimMode.Spm);
        }
        int suffixAt = rest.IndexOf(fim.Suffix, StringComparison.Ordinal);
        if (suffixAt < 0 || !rest.EndsWith(fim.Middle, StringComparison.Ordinal) || rest.Length - fim.Middle.Length < suffixAt + fim.Suffix.Length)
            return null;
        return (rest[..suffixAt], rest[(suffixAt + fim.Suffix.Length)..^fim.Middle.Length], FimMode.Psm);
    }

    /// <summary>A format's end markers become stop ids when they are single special tokens, stop strings otherwise.</summary>
    private (IReadOnlyList<int> Ids, IReadOnlyList<string> Strings) SplitStops(IReadOnlyList<string> stops)
    {
        var ids = new List<int>(_endOfText);
        var strings = new List<string>();
        foreach (var stop in stops)
        {
            if (_tokenizer.TokenToId(stop) is { } id && _tokenizer.IsSpecial(id))
            {
                if (!ids.Contains(id)) ids.Add(id);
            }
            else
            {
                strings.Add(stop);
            }
        }
        return (ids, strings);
    }

    private static string CleanMessage(Exception e)
        => e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
}
