using System.Text;
using System.Text.RegularExpressions;
using StarChat.Text.Templates.Lexing;
using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>
/// Python string operations over <see cref="TemplateString"/>. Operations that only select or rearrange characters
/// (strip, split, replace) keep every character's trust; the caller decides for ones that rewrite text.
/// </summary>
internal static partial class TextOps
{
    /// <summary><c>str.strip/lstrip/rstrip(chars)</c>; null <paramref name="chars"/> means whitespace.</summary>
    public static TemplateString Strip(TemplateString s, string? chars, bool left, bool right)
    {
        string t = s.Text;
        bool Strippable(char c) => chars is null ? TemplateLexer.IsPythonSpace(c) : chars.Contains(c, StringComparison.Ordinal);
        int start = 0, end = t.Length;
        if (left)
        {
            while (start < end && Strippable(t[start]))
                start++;
        }
        if (right)
        {
            while (end > start && Strippable(t[end - 1]))
                end--;
        }
        return s.Slice(start, end - start);
    }

    /// <summary><c>str.split(sep, maxsplit)</c> and <c>rsplit</c>.</summary>
    public static List<TemplateString> Split(TemplateString s, string? sep, long maxSplit, bool fromRight)
    {
        var parts = new List<(int Start, int End)>();
        string t = s.Text;
        if (sep is null)
        {
            SplitWhitespace(t, maxSplit, fromRight, parts);
        }
        else if (!fromRight)
        {
            int start = 0;
            for (int i; (maxSplit < 0 || parts.Count < maxSplit) && (i = t.IndexOf(sep, start, StringComparison.Ordinal)) >= 0; start = i + sep.Length)
                parts.Add((start, i));
            parts.Add((start, t.Length));
        }
        else
        {
            int end = t.Length;
            for (int i; (maxSplit < 0 || parts.Count < maxSplit) && end >= sep.Length && (i = t.LastIndexOf(sep, end - 1, StringComparison.Ordinal)) >= 0 && i + sep.Length <= end; end = i)
                parts.Add((i + sep.Length, end));
            parts.Add((0, end));
            parts.Reverse();
        }
        return [.. parts.Select(p => s.Slice(p.Start, p.End - p.Start))];
    }

    private static void SplitWhitespace(string t, long maxSplit, bool fromRight, List<(int Start, int End)> parts)
    {
        if (!fromRight)
        {
            int i = 0;
            while (true)
            {
                while (i < t.Length && TemplateLexer.IsPythonSpace(t[i]))
                    i++;
                if (i >= t.Length)
                    return;
                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    // Python keeps the remainder's trailing whitespace.
                    parts.Add((i, t.Length));
                    return;
                }
                int start = i;
                while (i < t.Length && !TemplateLexer.IsPythonSpace(t[i]))
                    i++;
                parts.Add((start, i));
            }
        }
        int j = t.Length;
        while (true)
        {
            while (j > 0 && TemplateLexer.IsPythonSpace(t[j - 1]))
                j--;
            if (j <= 0)
                break;
            if (maxSplit >= 0 && parts.Count == maxSplit)
            {
                parts.Add((0, j));
                break;
            }
            int stop = j;
            while (j > 0 && !TemplateLexer.IsPythonSpace(t[j - 1]))
                j--;
            parts.Add((j, stop));
        }
        parts.Reverse();
    }

    /// <summary><c>str.splitlines()</c> without line ends.</summary>
    public static List<TemplateString> SplitLines(TemplateString s)
    {
        var lines = new List<TemplateString>();
        string t = s.Text;
        int start = 0;
        for (int i = 0; i < t.Length; i++)
        {
            char c = t[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                lines.Add(s.Slice(start, i - start));
                if (c == '\r' && i + 1 < t.Length && t[i + 1] == '\n')
                    i++;
                start = i + 1;
            }
        }
        if (start < t.Length)
            lines.Add(s.Slice(start, t.Length - start));
        return lines;
    }

    /// <summary>
    /// <c>str.replace(old, new, count)</c>. Untouched text keeps its trust and the inserted text keeps its own, so
    /// a trusted replacement cannot join with user text into a control token (segments are encoded apart).
    /// </summary>
    public static TemplateString Replace(TemplateString s, TemplateString old, TemplateString replacement, long count, RenderBudget? budget)
    {
        string t = s.Text;
        long occurrences = Math.Min(CountOccurrences(t, old.Text), count < 0 ? long.MaxValue : count);
        budget?.EnsureFits(t.Length + occurrences * Math.Max(0, replacement.Length - old.Length));
        if (occurrences == 0)
            return s;
        var b = new TemplateStringBuilder();
        int pos = 0;
        for (long n = 0; n < occurrences; n++)
        {
            int at = old.Length == 0 ? (int)n : t.IndexOf(old.Text, pos, StringComparison.Ordinal);
            if (old.Length == 0 && n > 0)
            {
                b.Append(s.Slice(pos, 1));
                pos++;
                at = pos;
            }
            b.Append(s.Slice(pos, at - pos));
            b.Append(replacement);
            pos = at + old.Length;
        }
        b.Append(s.Slice(pos, t.Length - pos));
        return b.Build();
    }

    /// <summary>Python's <c>str.count</c>: non-overlapping; an empty needle counts every gap.</summary>
    public static int CountOccurrences(string text, string sub)
    {
        if (sub.Length == 0)
            return text.Length + 1;
        int count = 0;
        for (int i = text.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = text.IndexOf(sub, i + sub.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    /// <summary>Python's <c>str.title()</c>: upper after a non-letter, lower after a letter.</summary>
    public static string PythonTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (char c in s)
        {
            sb.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }
        return sb.ToString();
    }

    /// <summary>Jinja's <c>title</c> filter: capitalizes each piece between spaces, dashes and opening brackets.</summary>
    public static string JinjaTitle(string s) =>
        string.Concat(WordBeginning().Split(s).Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..].ToLowerInvariant()));

    /// <summary><c>str.capitalize()</c>.</summary>
    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    [GeneratedRegex(@"([-\s\(\{\[\<]+)")]
    private static partial Regex WordBeginning();
}
