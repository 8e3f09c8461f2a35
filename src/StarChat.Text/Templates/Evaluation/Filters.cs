using System.Globalization;
using System.Text.RegularExpressions;
using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>
/// The Jinja filters chat templates use, plus Hugging Face's <c>tojson</c>. Trust follows
/// <see cref="TemplateString"/>'s rule: <c>trim</c>, <c>join</c>, <c>replace</c>, <c>reverse</c>, <c>first</c>,
/// <c>last</c> keep each character's trust; case changes, escaping and JSON keep it only for fully trusted input.
/// </summary>
internal static partial class Filters
{
    private delegate Value Filter(Value input, CallArguments args);

    private static readonly Dictionary<string, Filter> s_filters = new(StringComparer.Ordinal)
    {
        ["trim"] = (v, a) => new StringValue(TextOps.Strip(Str(v), a.Expect(1, "chars").Get(0, "chars") is StringValue c ? c.Text : null, true, true)),
        ["tojson"] = ToJson,
        ["length"] = Length, ["count"] = Length,
        ["upper"] = (v, a) => Derive(v, t => t.ToUpperInvariant()),
        ["lower"] = (v, a) => Derive(v, t => t.ToLowerInvariant()),
        ["title"] = (v, a) => Derive(v, TextOps.JinjaTitle),
        ["capitalize"] = (v, a) => Derive(v, TextOps.Capitalize),
        ["replace"] = (v, a) => new StringValue(TextOps.Replace(Str(v), Str(a.Required(0, "old")), Str(a.Required(1, "new")),
            a.Get(2, "count") is IntValue n ? n.Value : -1, a.Budget)),
        ["join"] = (v, a) => Join(Access.Iterate(v), a.Get(0, "d") is { } sep ? PythonFormat.Str(sep) : TemplateString.Empty,
            a.Get(1, "attribute") is StringValue attr ? attr.Text : null, a.Budget),
        ["default"] = Default, ["d"] = Default,
        ["first"] = (v, a) => Access.Iterate(v) is { Count: > 0 } items ? items[0] : new UndefinedValue("first"),
        ["last"] = (v, a) => Access.Iterate(v) is { Count: > 0 } items ? items[^1] : new UndefinedValue("last"),
        ["list"] = (v, a) => new ListValue([.. Access.Iterate(v)]),
        ["items"] = (v, a) => v switch
        {
            DictValue d => new ListValue([.. d.Entries.Select(e => (Value)new ListValue([e.Key, e.Value], isTuple: true))]),
            UndefinedValue => ListValue.Empty,
            _ => throw new TemplateRuntimeException($"items filter needs a mapping, not {v.TypeName}"),
        },
        ["string"] = (v, a) => new StringValue(PythonFormat.Str(v)),
        ["int"] = ToInt,
        ["float"] = ToFloat,
        ["abs"] = (v, a) => v switch
        {
            IntValue i when i.Value != long.MinValue => new IntValue(Math.Abs(i.Value)),
            FloatValue f => new FloatValue(Math.Abs(f.Value)),
            BoolValue b => new IntValue(b.Value ? 1 : 0),
            _ => throw new TemplateRuntimeException($"bad operand type for abs(): '{v.TypeName}'"),
        },
        ["round"] = Round,
        ["safe"] = (v, a) => v,
        ["escape"] = Escape, ["e"] = Escape,
        ["reverse"] = (v, a) => v is StringValue s ? Access.Slice(s, null, null, new IntValue(-1)) : new ListValue([.. Access.Iterate(v).Reverse()]),
        ["select"] = (v, a) => SelectItems(v, a, attribute: false, keep: true),
        ["reject"] = (v, a) => SelectItems(v, a, attribute: false, keep: false),
        ["selectattr"] = (v, a) => SelectItems(v, a, attribute: true, keep: true),
        ["rejectattr"] = (v, a) => SelectItems(v, a, attribute: true, keep: false),
        ["map"] = Map,
        // Python getattr only: a dict's keys are not attributes.
        ["attr"] = (v, a) => v is DictValue d
            ? (Value?)Methods.TryBindDict(d, Text(a.Required(0, "name"))) ?? new UndefinedValue("attr")
            : Access.GetAttribute(v, Text(a.Required(0, "name")), () => "attr"),
        ["sort"] = Sort,
        ["unique"] = Unique,
        ["sum"] = Sum,
        ["min"] = (v, a) => Extreme(v, a, sign: -1),
        ["max"] = (v, a) => Extreme(v, a, sign: 1),
        ["dictsort"] = DictSort,
        ["indent"] = Indent,
        ["center"] = (v, a) => Center(Str(v), a.Get(0, "width") is IntValue w ? w.Value : 80, a.Budget),
        ["wordcount"] = (v, a) => new IntValue(Word().Count(PythonFormat.Str(v).Text)),
    };

    public static bool IsKnown(string name) => s_filters.ContainsKey(name);

    public static Value Apply(string name, Value input, CallArguments args) =>
        s_filters.TryGetValue(name, out var filter) ? filter(input, args) : throw new TemplateRuntimeException($"unsupported filter '{name}'");

    /// <summary><c>separator.join(items)</c>: items printed with <c>str()</c>; every piece keeps its trust.</summary>
    public static StringValue Join(IReadOnlyList<Value> items, TemplateString separator, string? attribute, RenderBudget? budget = null)
    {
        var b = new TemplateStringBuilder();
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0)
                b.Append(separator);
            b.Append(PythonFormat.Str(attribute is null ? items[i] : Access.GetPath(items[i], attribute)));
            budget?.EnsureFits(b.Length);
        }
        return new StringValue(b.Build());
    }

    private static TemplateString Str(Value v) => v switch
    {
        StringValue s => s.Value,
        UndefinedValue => TemplateString.Empty,
        _ => PythonFormat.Str(v),
    };

    private static string Text(Value v) => v is StringValue s ? s.Text : throw new TemplateRuntimeException($"expected a string, not {v.TypeName}");

    private static StringValue Derive(Value v, Func<string, string> transform)
    {
        var s = Str(v);
        return new StringValue(s.Derive(transform(s.Text)));
    }

    private static StringValue ToJson(Value v, CallArguments a)
    {
        a.Expect(1, "indent", "ensure_ascii", "separators", "sort_keys");
        int? indent = a.Get(0, "indent") switch
        {
            null or NoneValue => null,
            IntValue i when i.Value is >= 0 and <= 64 => (int)i.Value,
            var x => throw new TemplateRuntimeException($"tojson indent must be an integer from 0 to 64, not {PythonFormat.Repr(x)}"),
        };
        string? itemSep = null, keySep = null;
        if (a.Get(99, "separators") is ListValue { Items: [StringValue i1, StringValue k1] })
            (itemSep, keySep) = (i1.Text, k1.Text);
        var json = JsonFormat.Serialize(v, indent, itemSep, keySep, a.Get(99, "sort_keys")?.IsTruthy ?? false);
        if (a.Get(99, "ensure_ascii")?.IsTruthy ?? false)
            json = json.Derive(EscapeNonAscii(json.Text));
        return new StringValue(json);
    }

    private static string EscapeNonAscii(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length);
        foreach (char c in s)
        {
            if (c < 0x80)
                sb.Append(c);
            else
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static IntValue Length(Value v, CallArguments a) => new(v switch
    {
        StringValue s => s.Value.Length,
        ListValue l => l.Items.Count,
        DictValue d => d.Count,
        NamespaceValue n => n.Attributes.Count,
        UndefinedValue => 0,
        _ => throw new TemplateRuntimeException($"object of type '{v.TypeName}' has no len()"),
    });

    private static Value Default(Value v, CallArguments a)
    {
        a.Expect(2, "default_value", "boolean");
        var fallback = a.Get(0, "default_value") ?? StringValue.Empty;
        bool boolean = a.Get(1, "boolean")?.IsTruthy ?? false;
        return v is UndefinedValue || (boolean && !v.IsTruthy) ? fallback : v;
    }

    private static Value ToInt(Value v, CallArguments a)
    {
        var fallback = a.Get(0, "default") ?? new IntValue(0);
        return v switch
        {
            IntValue => v,
            BoolValue b => new IntValue(b.Value ? 1 : 0),
            FloatValue f when double.IsFinite(f.Value) && Math.Abs(f.Value) < 9.2e18 => new IntValue((long)Math.Truncate(f.Value)),
            StringValue s when long.TryParse(s.Text.Trim().Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) => new IntValue(l),
            StringValue s when double.TryParse(s.Text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && Math.Abs(d) < 9.2e18 => new IntValue((long)Math.Truncate(d)),
            _ => fallback,
        };
    }

    private static Value ToFloat(Value v, CallArguments a)
    {
        var fallback = a.Get(0, "default") ?? new FloatValue(0);
        return v switch
        {
            FloatValue => v,
            IntValue i => new FloatValue(i.Value),
            BoolValue b => new FloatValue(b.Value ? 1 : 0),
            StringValue s when double.TryParse(s.Text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => new FloatValue(d),
            _ => fallback,
        };
    }

    private static FloatValue Round(Value v, CallArguments a)
    {
        int precision = a.Get(0, "precision") is IntValue p ? (int)Math.Clamp(p.Value, 0, 15) : 0;
        string method = a.Get(1, "method") is StringValue m ? m.Text : "common";
        if (!ValueEquality.TryNumber(v, out double d, out _, out _))
            throw new TemplateRuntimeException($"round needs a number, not {v.TypeName}");
        double factor = Math.Pow(10, precision);
        return new FloatValue(method switch
        {
            // Jinja's "common" is Python's round(): half to even.
            "common" => Math.Round(d, precision, MidpointRounding.ToEven),
            "ceil" => Math.Ceiling(d * factor) / factor,
            "floor" => Math.Floor(d * factor) / factor,
            _ => throw new TemplateRuntimeException("round method must be 'common', 'ceil' or 'floor'"),
        });
    }

    private static StringValue Escape(Value v, CallArguments a)
    {
        var s = Str(v);
        string escaped = s.Text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&#34;", StringComparison.Ordinal)
            .Replace("'", "&#39;", StringComparison.Ordinal);
        return new StringValue(s.Derive(escaped));
    }

    /// <summary>Jinja 3's <c>indent(width=4, first=False, blank=False)</c>.</summary>
    private static StringValue Indent(Value v, CallArguments a)
    {
        var s = Str(v);
        string indent = a.Get(0, "width") switch
        {
            null => "    ",
            IntValue w when w.Value is >= 0 and <= 1024 => new string(' ', (int)w.Value),
            StringValue w => w.Text,
            var w => throw new TemplateRuntimeException($"indent width must be an integer from 0 to 1024 or a string, not {PythonFormat.Repr(w)}"),
        };
        bool first = a.Get(1, "first")?.IsTruthy ?? false;
        bool blank = a.Get(2, "blank")?.IsTruthy ?? false;
        var lines = TextOps.SplitLines(s.Concat(TemplateString.Trusted("\n")));
        a.Budget.EnsureFits(s.Length + (long)lines.Count * indent.Length);
        var b = new TemplateStringBuilder();
        for (int i = 0; i < lines.Count; i++)
        {
            if (i > 0)
                b.AppendTrusted("\n");
            if ((i > 0 || first) && (blank || lines[i].Length > 0))
                b.AppendTrusted(indent);
            b.Append(lines[i]);
        }
        return new StringValue(b.Build());
    }

    private static StringValue Center(TemplateString s, long width, RenderBudget budget)
    {
        budget.EnsureFits(width);
        if (width <= s.Length)
            return new StringValue(s);
        long pad = width - s.Length;
        // CPython's rule for where an odd padding's extra space goes.
        long left = pad / 2 + (pad & width & 1);
        var b = new TemplateStringBuilder();
        b.AppendTrusted(new string(' ', (int)left));
        b.Append(s);
        b.AppendTrusted(new string(' ', (int)(pad - left)));
        return new StringValue(b.Build());
    }

    [GeneratedRegex(@"\w+")]
    private static partial Regex Word();
}
