using System.Globalization;
using System.Text;

namespace StarChat.Text.Templates.Values;

/// <summary>
/// The <c>tojson</c> filter as Hugging Face defines it for chat templates: Python's
/// <c>json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)</c>.
/// JSON punctuation is trusted; each string keeps its trust only when fully trusted (escaping rewrites it).
/// </summary>
internal static class JsonFormat
{
    private const int MaxDepth = 64;

    public static TemplateString Serialize(Value v, int? indent, string? itemSeparator, string? keySeparator, bool sortKeys)
    {
        var w = new Writer(indent, itemSeparator ?? (indent is null ? ", " : ","), keySeparator ?? ": ", sortKeys);
        w.Write(v, 0);
        return w.Builder.Build();
    }

    /// <summary>Python's json string escaping with <c>ensure_ascii=False</c>.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20)
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    private sealed class Writer(int? indent, string itemSeparator, string keySeparator, bool sortKeys)
    {
        public TemplateStringBuilder Builder { get; } = new();

        public void Write(Value v, int depth)
        {
            if (depth > MaxDepth)
                throw new TemplateRuntimeException("tojson: value nested too deeply");
            switch (v)
            {
                case StringValue s:
                    Builder.Append(Quote(s.Text), s.Value.IsFullyTrusted);
                    break;
                case NoneValue:
                    Builder.AppendTrusted("null");
                    break;
                case BoolValue b:
                    Builder.AppendTrusted(b.Value ? "true" : "false");
                    break;
                case IntValue i:
                    Builder.AppendTrusted(i.Value.ToString(CultureInfo.InvariantCulture));
                    break;
                case FloatValue f:
                    Builder.AppendTrusted(FloatText(f.Value));
                    break;
                case ListValue l:
                    WriteContainer('[', ']', l.Items.Count, depth, i => Write(l.Items[i], depth + 1));
                    break;
                case DictValue d:
                    var entries = sortKeys
                        ? [.. d.Entries.OrderBy(e => KeyText(e.Key), StringComparer.Ordinal)]
                        : d.Entries;
                    WriteContainer('{', '}', entries.Count, depth, i =>
                    {
                        var key = entries[i].Key;
                        Builder.Append(Quote(KeyText(key)), key is not StringValue ks || ks.Value.IsFullyTrusted);
                        Builder.AppendTrusted(keySeparator);
                        Write(entries[i].Value, depth + 1);
                    });
                    break;
                default:
                    throw new TemplateRuntimeException($"tojson: object of type '{v.TypeName}' is not JSON serializable");
            }
        }

        private void WriteContainer(char open, char close, int count, int depth, Action<int> item)
        {
            Builder.Append(open, trusted: true);
            if (count == 0)
            {
                Builder.Append(close, trusted: true);
                return;
            }
            for (int i = 0; i < count; i++)
            {
                if (i > 0)
                    Builder.AppendTrusted(itemSeparator);
                NewLine(depth + 1);
                item(i);
            }
            NewLine(depth);
            Builder.Append(close, trusted: true);
        }

        private void NewLine(int depth)
        {
            if (indent is int n)
                Builder.AppendTrusted("\n" + new string(' ', n * depth));
        }

        private static string KeyText(Value key) => key switch
        {
            StringValue s => s.Text,
            BoolValue b => b.Value ? "true" : "false",
            NoneValue => "null",
            IntValue i => i.Value.ToString(CultureInfo.InvariantCulture),
            FloatValue f => FloatText(f.Value),
            _ => throw new TemplateRuntimeException($"tojson: keys must be str, int, float, bool or None, not {key.TypeName}"),
        };

        private static string FloatText(double d) =>
            double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : PythonFormat.FormatFloat(d);
    }
}
