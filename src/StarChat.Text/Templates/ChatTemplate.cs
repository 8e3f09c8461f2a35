using StarChat.Text.Chat;
using StarChat.Text.Templates.Evaluation;
using StarChat.Text.Templates.Parsing;
using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates;

/// <summary>
/// A Hugging Face <c>chat_template</c> (from <c>tokenizer_config.json</c> or GGUF <c>tokenizer.chat_template</c>),
/// parsed once and rendered per conversation. Implements the Jinja subset chat templates use; anything else fails at
/// <see cref="Parse"/> with its line and column. Rendering tracks trust: the template's own text becomes
/// <see cref="PromptSegment.Control"/> segments, and text that came from message content or
/// <see cref="ChatTemplateContext.Variables"/> stays <see cref="PromptSegment.Plain"/>, so a user who types
/// <c>&lt;|end|&gt;</c> never produces a control token.
/// </summary>
/// <remarks>
/// <para>A parsed template is immutable: parse once, render from any number of threads.</para>
/// <para>Supported: text, <c>{{ }}</c>, <c>{% %}</c>, <c>{# #}</c>, whitespace control (<c>-</c>, <c>+</c>,
/// trim_blocks, lstrip_blocks), <c>if/elif/else</c>, <c>for</c> (<c>if</c> filter, <c>else</c>, unpacking, loop
/// variables, <c>break</c>/<c>continue</c>), <c>set</c> (plain, tuple, <c>ns.attr</c>, block), <c>macro</c>,
/// <c>call</c>, <c>raw</c>, Hugging Face's <c>generation</c>, Python-style expressions, the common Jinja filters and
/// tests, string/dict/list methods, <c>range</c>, <c>namespace</c>, <c>dict</c>, <c>raise_exception</c>,
/// <c>strftime_now</c>. Not supported (rejected at parse time): <c>include</c>, <c>import</c>, <c>extends</c>,
/// <c>block</c>, <c>filter</c> blocks, <c>with</c>, recursive loops, unknown filters and tests.</para>
/// <para>Deliberate differences from Jinja: an attribute or item of an undefined value is undefined rather than an
/// error (so <c>messages[0]['role']</c> works on an empty conversation); integers are 64-bit; <c>'...' % x</c>
/// formatting is not supported; case mapping is culture-invariant per UTF-16 unit.</para>
/// </remarks>
public sealed class ChatTemplate
{
    private static readonly HashSet<string> s_reservedNames =
    [
        "messages", "add_generation_prompt", "bos_token", "eos_token", "unk_token", "pad_token", "additional_special_tokens",
        "range", "namespace", "dict", "raise_exception", "strftime_now", "loop",
    ];

    private readonly IReadOnlyList<Stmt> _body;

    private ChatTemplate(string source, ChatTemplateOptions options, IReadOnlyList<Stmt> body)
    {
        Source = source;
        Options = options;
        _body = body;
    }

    /// <summary>The template source as given.</summary>
    public string Source { get; }

    /// <summary>The environment settings and limits it renders with.</summary>
    public ChatTemplateOptions Options { get; }

    /// <summary>Parses a template.</summary>
    /// <param name="source">The Jinja source.</param>
    /// <param name="options">Environment settings; <see cref="ChatTemplateOptions.HuggingFace"/> when null.</param>
    /// <exception cref="TemplateException">A syntax error, or a construct outside the supported subset (macros,
    /// includes, unknown filters or tests, ...); the message names it with its line and column.</exception>
    public static ChatTemplate Parse(string source, ChatTemplateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= ChatTemplateOptions.HuggingFace;
        try
        {
            return new ChatTemplate(source, options, TemplateParser.Parse(source, options));
        }
        catch (InsufficientExecutionStackException e)
        {
            throw new TemplateException("template nests too deeply for this thread's stack", e);
        }
    }

    /// <summary>Renders the prompt as segments with adjacent segments of equal trust merged and no empty ones.</summary>
    /// <exception cref="TemplateRaisedException">The template called <c>raise_exception</c>; the message is its own.</exception>
    /// <exception cref="TemplateException">A render error (type error, undefined value used in arithmetic, limit
    /// exceeded), with the position of the failing expression.</exception>
    /// <exception cref="ArgumentException">A variable has a type templates cannot see, or uses a built-in name.</exception>
    public IReadOnlyList<PromptSegment> Render(ChatTemplateContext context)
    {
        var text = RenderCore(context);
        var segments = new List<PromptSegment>();
        int offset = 0;
        foreach (var run in text.Runs)
        {
            segments.Add(new PromptSegment(text.Text.Substring(offset, run.Length), run.Trusted));
            offset += run.Length;
        }
        return segments;
    }

    /// <summary>Renders the prompt as one string, as Hugging Face's <c>apply_chat_template(tokenize=False)</c> does (trust dropped).</summary>
    /// <exception cref="TemplateException">As for <see cref="Render"/>.</exception>
    public string RenderToString(ChatTemplateContext context) => RenderCore(context).Text;

    private TemplateString RenderCore(ChatTemplateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var globals = new Scope(null);
        Globals.AddTo(globals, context.Now ?? DateTimeOffset.Now);
        long inputChars = 0;
        globals.Set("tools", NoneValue.Instance);
        globals.Set("documents", NoneValue.Instance);
        foreach (var (name, value) in context.Variables)
        {
            if (s_reservedNames.Contains(name))
                throw new ArgumentException($"template variable '{name}' is built in; set it through ChatTemplateContext's own property", nameof(context));
            globals.Set(name, ValueConversion.FromObject(value, name, ref inputChars));
        }
        if (context.MessageFields.Count > context.Messages.Count)
            throw new ArgumentException($"{context.MessageFields.Count} MessageFields entries for {context.Messages.Count} messages", nameof(context));
        var messages = new List<Value>(context.Messages.Count);
        for (int i = 0; i < context.Messages.Count; i++)
        {
            var m = context.Messages[i];
            var dict = new DictValue();
            dict.Set("role", StringValue.Trusted(m.Role));
            dict.Set("content", StringValue.Untrusted(m.Content));
            inputChars += m.Role.Length + m.Content.Length;
            if (i < context.MessageFields.Count && context.MessageFields[i] is { } fields)
            {
                foreach (var (name, value) in fields)
                {
                    if (name == "role")
                        throw new ArgumentException($"message {i}: 'role' comes from ChatMessage.Role, not MessageFields", nameof(context));
                    dict.Set(name, ValueConversion.FromObject(value, $"messages[{i}].{name}", ref inputChars));
                }
            }
            messages.Add(dict);
        }
        globals.Set("messages", new ListValue(messages));
        globals.Set("add_generation_prompt", BoolValue.Of(context.AddGenerationPrompt));
        SetToken(globals, "bos_token", context.BosToken);
        SetToken(globals, "eos_token", context.EosToken);
        SetToken(globals, "unk_token", context.UnkToken);
        SetToken(globals, "pad_token", context.PadToken);
        globals.Set("additional_special_tokens", new ListValue([.. context.AdditionalSpecialTokens.Select(t => (Value)StringValue.Trusted(t))]));

        long maxChars = Options.BaseOutputChars + Options.OutputCharsPerInputChar * inputChars;
        var budget = new RenderBudget(Options.MaxWork + inputChars + 64L * context.Messages.Count, (int)Math.Min(maxChars, Array.MaxLength));
        using (budget.Enter())
        {
            try
            {
                return new Interpreter(globals, budget).Render(_body);
            }
            catch (InsufficientExecutionStackException e)
            {
                throw new TemplateException("template recursion and nesting exhausted this thread's stack", e);
            }
        }
    }

    private static void SetToken(Scope globals, string name, string? token)
    {
        if (token is not null)
            globals.Set(name, StringValue.Trusted(token));
    }
}
