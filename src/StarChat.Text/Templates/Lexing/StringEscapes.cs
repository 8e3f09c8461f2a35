using System.Globalization;
using System.Text;

namespace StarChat.Text.Templates.Lexing;

/// <summary>Python's <c>unicode-escape</c> rules, which Jinja applies to string literals.</summary>
internal static class StringEscapes
{
    /// <summary>Decodes one escape; <paramref name="pos"/> points just after the backslash and is advanced.</summary>
    public static void Append(StringBuilder sb, string src, ref int pos, Func<int, TemplateException> error)
    {
        int escapeStart = pos - 1;
        char c = src[pos++];
        switch (c)
        {
            case '\n': break; // line continuation
            case '\\': sb.Append('\\'); break;
            case '\'': sb.Append('\''); break;
            case '"': sb.Append('"'); break;
            case 'a': sb.Append('\a'); break;
            case 'b': sb.Append('\b'); break;
            case 'f': sb.Append('\f'); break;
            case 'n': sb.Append('\n'); break;
            case 'r': sb.Append('\r'); break;
            case 't': sb.Append('\t'); break;
            case 'v': sb.Append('\v'); break;
            case 'x': AppendCodePoint(sb, Hex(src, ref pos, 2, escapeStart, error), escapeStart, error); break;
            case 'u': AppendCodePoint(sb, Hex(src, ref pos, 4, escapeStart, error), escapeStart, error); break;
            case 'U': AppendCodePoint(sb, Hex(src, ref pos, 8, escapeStart, error), escapeStart, error); break;
            case >= '0' and <= '7':
                int value = c - '0';
                for (int i = 0; i < 2 && pos < src.Length && src[pos] is >= '0' and <= '7'; i++)
                    value = value * 8 + (src[pos++] - '0');
                AppendCodePoint(sb, value, escapeStart, error);
                break;
            default:
                // Python keeps unknown escapes such as \d as they are.
                sb.Append('\\').Append(c);
                break;
        }
    }

    private static int Hex(string src, ref int pos, int digits, int escapeStart, Func<int, TemplateException> error)
    {
        if (pos + digits > src.Length
            || !int.TryParse(src.AsSpan(pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value)
            || value < 0)
            throw error(escapeStart);
        pos += digits;
        return value;
    }

    private static void AppendCodePoint(StringBuilder sb, int value, int escapeStart, Func<int, TemplateException> error)
    {
        if (value > 0x10FFFF)
            throw error(escapeStart);
        if (value < 0x10000)
            sb.Append((char)value);
        else
            sb.Append(char.ConvertFromUtf32(value));
    }
}
