using System.Text;

namespace StarChat.Evaluation.LmEval.Python;

/// <summary>
/// The few Python <c>str</c> operations the harness applies to prompts, with Python's semantics where .NET's differ:
/// <c>strip</c> uses Python's whitespace set (which includes U+001C..U+001F), <c>len</c> counts code points, and
/// <c>capitalize</c> lower-cases everything after the first character.
/// </summary>
public static class PyStr
{
    /// <summary>Python's <c>str.isspace</c> for one UTF-16 unit (every Python whitespace character is in the BMP).</summary>
    public static bool IsSpace(char c)
        => c is >= '\t' and <= '\r' or >= '\x1c' and <= ' ' or '\x85' or '\xa0' or '\u1680'
            or >= '\u2000' and <= '\u200a' or '\u2028' or '\u2029' or '\u202f' or '\u205f' or '\u3000';

    /// <summary><c>s.strip()</c>.</summary>
    public static string Strip(string s) => RStrip(LStrip(s));

    /// <summary><c>s.lstrip()</c>.</summary>
    public static string LStrip(string s)
    {
        int start = 0;
        while (start < s.Length && IsSpace(s[start])) start++;
        return s[start..];
    }

    /// <summary><c>s.rstrip()</c>.</summary>
    public static string RStrip(string s)
    {
        int end = s.Length;
        while (end > 0 && IsSpace(s[end - 1])) end--;
        return s[..end];
    }

    /// <summary><c>len(s)</c>: Unicode code points, not UTF-16 units (a lone surrogate counts as one).</summary>
    public static int Length(string s)
    {
        int count = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                i++;
            count++;
        }
        return count;
    }

    /// <summary><c>s.capitalize()</c>: the first character upper-cased, every other character lower-cased.</summary>
    public static string Capitalize(string s)
    {
        if (s.Length == 0)
            return s;
        // A lone surrogate has no case: it stays as it is (Python keeps it too).
        if (Rune.DecodeFromUtf16(s, out var first, out int used) != System.Buffers.OperationStatus.Done)
            return s[..1] + s[1..].ToLowerInvariant();
        return Rune.ToUpperInvariant(first).ToString() + s[used..].ToLowerInvariant();
    }
}
