using System.Globalization;
using System.Text;

namespace StarChat.Text.Templates.Values;

/// <summary>
/// Python's <c>str()</c> and <c>repr()</c> of template values, since that is what Jinja prints. Strings inside
/// containers are escaped, so they keep their trust only when fully trusted (see <see cref="TemplateString"/>).
/// </summary>
internal static class PythonFormat
{
    /// <summary><c>str(v)</c>: what <c>{{ v }}</c> and <c>~</c> produce.</summary>
    public static TemplateString Str(Value v) => v switch
    {
        StringValue s => s.Value,
        UndefinedValue => TemplateString.Empty,
        // Numbers, booleans and None print text chosen entirely by the formatter, never by the caller.
        _ when IsScalar(v) => TemplateString.Trusted(ScalarText(v)),
        _ => Build(b => AppendRepr(b, v, depth: 0)),
    };

    /// <summary><c>repr(v)</c>.</summary>
    public static TemplateString Repr(Value v) => Build(b => AppendRepr(b, v, depth: 0));

    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, scientific below 1e-4 and from 1e16.</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d))
            return "nan";
        if (double.IsInfinity(d))
            return d > 0 ? "inf" : "-inf";
        if (d == 0)
            return double.IsNegative(d) ? "-0.0" : "0.0";
        string r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOfAny(['E', 'e']);
        int exponent = e >= 0 ? int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        string mantissa = e >= 0 ? r[..e] : r;
        int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        string digits = dot >= 0 ? mantissa.Remove(dot, 1) : mantissa;
        // value = 0.DIGITS * 10^point
        int point = (dot >= 0 ? dot : mantissa.Length) + exponent;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
            lead++;
        digits = digits[lead..].TrimEnd('0');
        point -= lead;
        if (digits.Length == 0)
            digits = "0";
        int sci = point - 1;
        var sb = new StringBuilder();
        if (d < 0)
            sb.Append('-');
        if (sci is >= -4 and < 16)
        {
            if (point <= 0)
                sb.Append("0.").Append('0', -point).Append(digits);
            else if (point >= digits.Length)
                sb.Append(digits).Append('0', point - digits.Length).Append(".0");
            else
                sb.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point);
        }
        else
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(sci < 0 ? '-' : '+').Append(Math.Abs(sci).ToString("00", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Python's <c>repr(str)</c> body and quote choice.</summary>
    public static string ReprString(string s)
    {
        char quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2).Append(quote);
        foreach (var rune in s.EnumerateRunes())
        {
            int c = rune.Value;
            if (c == '\\' || c == quote)
                sb.Append('\\').Append((char)c);
            else if (c == '\n')
                sb.Append("\\n");
            else if (c == '\r')
                sb.Append("\\r");
            else if (c == '\t')
                sb.Append("\\t");
            else if (IsPrintable(rune))
                sb.Append(rune.ToString());
            else if (c < 0x100)
                sb.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture));
            else if (c < 0x10000)
                sb.Append("\\u").Append(c.ToString("x4", CultureInfo.InvariantCulture));
            else
                sb.Append("\\U").Append(c.ToString("x8", CultureInfo.InvariantCulture));
        }
        return sb.Append(quote).ToString();
    }

    private static bool IsScalar(Value v) => v is IntValue or FloatValue or BoolValue or NoneValue;

    private static string ScalarText(Value v) => v switch
    {
        IntValue i => i.Value.ToString(CultureInfo.InvariantCulture),
        FloatValue f => FormatFloat(f.Value),
        BoolValue b => b.Value ? "True" : "False",
        _ => "None",
    };

    private static bool IsPrintable(Rune r) => Rune.GetUnicodeCategory(r) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => false,
        UnicodeCategory.SpaceSeparator => r.Value == ' ',
        _ => true,
    };

    private static TemplateString Build(Action<TemplateStringBuilder> write)
    {
        var b = new TemplateStringBuilder();
        write(b);
        return b.Build();
    }

    private static void AppendRepr(TemplateStringBuilder b, Value v, int depth)
    {
        // Containers are immutable and built from the caller's data or literals, so they cannot contain themselves;
        // the depth check guards only against absurdly deep caller-supplied data.
        if (depth > 64)
            throw new TemplateRuntimeException("value nested too deeply to print");
        switch (v)
        {
            case StringValue s:
                b.Append(ReprString(s.Text), s.Value.IsFullyTrusted);
                break;
            case UndefinedValue:
                b.AppendTrusted("Undefined");
                break;
            case ListValue l:
                b.AppendTrusted(l.IsTuple ? "(" : "[");
                for (int i = 0; i < l.Items.Count; i++)
                {
                    if (i > 0)
                        b.AppendTrusted(", ");
                    AppendRepr(b, l.Items[i], depth + 1);
                }
                b.AppendTrusted(l.IsTuple ? (l.Items.Count == 1 ? ",)" : ")") : "]");
                break;
            case DictValue d:
                AppendEntries(b, d.Entries, depth);
                break;
            case NamespaceValue n:
                b.AppendTrusted("<Namespace ");
                AppendEntries(b, [.. n.Attributes.Select(kv => new KeyValuePair<Value, Value>(StringValue.Trusted(kv.Key), kv.Value))], depth);
                b.AppendTrusted(">");
                break;
            case FunctionValue f:
                b.AppendTrusted($"<built-in function {f.Name}>");
                break;
            default:
                b.AppendTrusted(ScalarText(v));
                break;
        }
    }

    private static void AppendEntries(TemplateStringBuilder b, IReadOnlyList<KeyValuePair<Value, Value>> entries, int depth)
    {
        b.AppendTrusted("{");
        for (int i = 0; i < entries.Count; i++)
        {
            if (i > 0)
                b.AppendTrusted(", ");
            AppendRepr(b, entries[i].Key, depth + 1);
            b.AppendTrusted(": ");
            AppendRepr(b, entries[i].Value, depth + 1);
        }
        b.AppendTrusted("}");
    }
}
