namespace StarChat.Text.Templates;

/// <summary>
/// Jinja environment settings and the render limits. The defaults are what Hugging Face uses for chat templates
/// (<c>trim_blocks=True, lstrip_blocks=True</c>) plus limits that bound a hostile template's time and memory.
/// </summary>
public sealed record ChatTemplateOptions
{
    /// <summary>Hugging Face's settings and the default limits.</summary>
    public static ChatTemplateOptions HuggingFace { get; } = new();

    /// <summary><c>trim_blocks</c>: drop the first newline after a block or comment tag.</summary>
    public bool TrimBlocks { get; init; } = true;

    /// <summary><c>lstrip_blocks</c>: drop spaces and tabs from the start of a line up to a block or comment tag.</summary>
    public bool LstripBlocks { get; init; } = true;

    /// <summary><c>keep_trailing_newline</c>: keep a single newline at the very end of the template source.</summary>
    public bool KeepTrailingNewline { get; init; }

    /// <summary>
    /// Most characters any one rendered prompt or intermediate string may hold: this fixed allowance plus
    /// <see cref="OutputCharsPerInputChar"/> times the characters of the conversation and variables.
    /// </summary>
    public int BaseOutputChars { get; init; } = 1 << 20;

    /// <summary>How much a template may expand its input (templates that repeat the system prompt need some).</summary>
    public int OutputCharsPerInputChar { get; init; } = 8;

    /// <summary>
    /// Work units one render may spend, plus one per character of the conversation and variables: one unit per
    /// evaluated node or loop iteration, plus one per 64 characters of every string or list built. Bounds run time
    /// even for templates that loop over <c>range()</c>, while long conversations still fit.
    /// </summary>
    public long MaxWork { get; init; } = 5_000_000;

    /// <summary>Deepest nesting of blocks and expressions the parser accepts (guards the evaluator's stack).</summary>
    public int MaxNestingDepth { get; init; } = 100;
}
