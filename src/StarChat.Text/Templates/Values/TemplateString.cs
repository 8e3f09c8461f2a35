using System.Text;

namespace StarChat.Text.Templates.Values;

/// <summary>A run of characters that share one trust level.</summary>
internal readonly record struct TextRun(int Length, bool Trusted);

/// <summary>
/// A template string: text plus, for every character, whether the template wrote it (trusted) or it came from the
/// caller's data (untrusted). Stored as runs so concatenation and slicing keep trust exactly.
/// </summary>
/// <remarks>
/// The trust rule, applied by every operation that makes a string:
/// <list type="bullet">
/// <item>concatenation (<c>+</c>, <c>~</c>, <c>join</c>, output) and pure selection of characters (slicing with any
/// step, <c>trim</c>/<c>strip</c>, <c>split</c>, iterating a string) keep each character's own trust;</item>
/// <item>anything else that builds new text (<c>upper</c>, <c>replace</c>, <c>tojson</c>, <c>repr</c>, ...) yields
/// trusted text only when every input string was fully trusted, and untrusted text otherwise.</item>
/// </list>
/// So text a user typed can never become trusted, whatever the template does with it.
/// </remarks>
internal sealed class TemplateString
{
    private readonly TextRun[] _runs;

    private TemplateString(string text, TextRun[] runs)
    {
        Text = text;
        _runs = runs;
    }

    /// <summary>The empty string (trusted: it carries no user text).</summary>
    public static TemplateString Empty { get; } = new("", []);

    public string Text { get; }

    public int Length => Text.Length;

    public ReadOnlySpan<TextRun> Runs => _runs;

    /// <summary>True when no character came from untrusted data.</summary>
    public bool IsFullyTrusted
    {
        get
        {
            foreach (var r in _runs)
            {
                if (!r.Trusted)
                    return false;
            }
            return true;
        }
    }

    /// <summary>For <see cref="TemplateStringBuilder"/>: runs are merged, non-empty and sum to the text length.</summary>
    internal static TemplateString FromRuns(string text, TextRun[] runs) => new(text, runs);

    public static TemplateString Trusted(string text) => Create(text, trusted: true);

    public static TemplateString Untrusted(string text) => Create(text, trusted: false);

    public static TemplateString Create(string text, bool trusted) =>
        text.Length == 0 ? Empty : new TemplateString(text, [new TextRun(text.Length, trusted)]);

    /// <summary>New text derived from this string by a transformation that does not keep characters in place.</summary>
    public TemplateString Derive(string text) => Create(text, IsFullyTrusted);

    public TemplateString Concat(TemplateString other)
    {
        if (other.Length == 0)
            return this;
        if (Length == 0)
            return other;
        // The hot path of `'<|user|>' + content + '<|end|>'`: join the arrays directly, merging the seam.
        bool merge = _runs[^1].Trusted == other._runs[0].Trusted;
        var runs = new TextRun[_runs.Length + other._runs.Length - (merge ? 1 : 0)];
        _runs.CopyTo(runs, 0);
        if (merge)
        {
            runs[_runs.Length - 1] = new TextRun(_runs[^1].Length + other._runs[0].Length, other._runs[0].Trusted);
            other._runs.AsSpan(1).CopyTo(runs.AsSpan(_runs.Length));
        }
        else
        {
            other._runs.CopyTo(runs, _runs.Length);
        }
        return new TemplateString(Text + other.Text, runs);
    }

    /// <summary>Characters <paramref name="start"/> .. <paramref name="start"/>+<paramref name="length"/>, each with its trust.</summary>
    public TemplateString Slice(int start, int length)
    {
        if (start == 0 && length == Length)
            return this;
        if (length == 0)
            return Empty;
        var b = new TemplateStringBuilder();
        int runStart = 0;
        int end = start + length;
        foreach (var r in _runs)
        {
            int runEnd = runStart + r.Length;
            int from = Math.Max(runStart, start);
            int to = Math.Min(runEnd, end);
            if (from < to)
                b.Append(Text.AsSpan(from, to - from), r.Trusted);
            runStart = runEnd;
            if (runStart >= end)
                break;
        }
        return b.Build();
    }

    /// <summary>The trust of the character at <paramref name="index"/>.</summary>
    public bool TrustAt(int index)
    {
        int runStart = 0;
        foreach (var r in _runs)
        {
            if (index < runStart + r.Length)
                return r.Trusted;
            runStart += r.Length;
        }
        throw new ArgumentOutOfRangeException(nameof(index));
    }

    public override string ToString() => Text;
}

/// <summary>Builds a <see cref="TemplateString"/>, merging adjacent runs of equal trust.</summary>
internal sealed class TemplateStringBuilder
{
    private readonly StringBuilder _text = new();
    private readonly List<TextRun> _runs = [];

    public int Length => _text.Length;

    public void Append(TemplateString s)
    {
        int offset = 0;
        foreach (var r in s.Runs)
        {
            Append(s.Text.AsSpan(offset, r.Length), r.Trusted);
            offset += r.Length;
        }
    }

    public void Append(ReadOnlySpan<char> text, bool trusted)
    {
        if (text.IsEmpty)
            return;
        Evaluation.RenderBudget.CheckBuildingSize(_text.Length + text.Length);
        _text.Append(text);
        if (_runs.Count > 0 && _runs[^1].Trusted == trusted)
            _runs[^1] = new TextRun(_runs[^1].Length + text.Length, trusted);
        else
            _runs.Add(new TextRun(text.Length, trusted));
    }

    public void Append(char c, bool trusted) => Append([c], trusted);

    public void AppendTrusted(string text) => Append(text, trusted: true);

    public TemplateString Build() => _runs.Count == 0 ? TemplateString.Empty : TemplateString.FromRuns(_text.ToString(), [.. _runs]);
}
