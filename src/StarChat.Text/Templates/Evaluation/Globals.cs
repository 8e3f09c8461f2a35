using System.Globalization;
using System.Text;
using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>
/// The functions Hugging Face's chat template environment provides: Jinja's <c>range</c>, <c>namespace</c> and
/// <c>dict</c>, plus <c>raise_exception</c> and <c>strftime_now</c>.
/// </summary>
internal static class Globals
{
    public static void AddTo(Scope scope, DateTimeOffset now)
    {
        scope.Set("range", new FunctionValue("range", Range));
        scope.Set("namespace", new FunctionValue("namespace", Namespace));
        scope.Set("dict", new FunctionValue("dict", a =>
        {
            var d = new DictValue();
            foreach (var (k, v) in a.Expect(0, [.. a.Named.Keys]).Named)
                d.Set(k, v);
            return d;
        }));
        scope.Set("raise_exception", new FunctionValue("raise_exception", a =>
            throw new TemplateRuntimeException(PythonFormat.Str(a.Expect(1, "message").Get(0, "message") ?? StringValue.Empty).Text)
            {
                RaisedByTemplate = true,
            }));
        scope.Set("strftime_now", new FunctionValue("strftime_now", a =>
        {
            var format = a.Expect(1, "format").Required(0, "format") as StringValue
                ?? throw new TemplateRuntimeException("strftime_now() format must be a string");
            return new StringValue(format.Value.Derive(Strftime(format.Text, now)));
        }));
    }

    private static ListValue Range(CallArguments a)
    {
        a.Expect(3);
        var ints = a.Positional.Select(v => v is IntValue i ? i.Value : v is BoolValue b ? (b.Value ? 1 : 0)
            : throw new TemplateRuntimeException($"range() arguments must be integers, not {v.TypeName}")).ToArray();
        var (start, stop, step) = ints.Length switch
        {
            1 => (0L, ints[0], 1L),
            2 => (ints[0], ints[1], 1L),
            3 => (ints[0], ints[1], ints[2]),
            _ => throw new TemplateRuntimeException("range() takes 1 to 3 arguments"),
        };
        if (step == 0)
            throw new TemplateRuntimeException("range() step must not be zero");
        // Count in floating point first so a hostile range cannot overflow or allocate before the check.
        double count = Math.Max(0, Math.Ceiling(((double)stop - start) / step));
        a.Budget.Charge((long)Math.Min(count, long.MaxValue / 2));
        var items = new List<Value>((int)count);
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
            items.Add(new IntValue(i));
        return new ListValue(items);
    }

    private static NamespaceValue Namespace(CallArguments a)
    {
        var ns = new NamespaceValue();
        foreach (var positional in a.Expect(1, [.. a.Named.Keys]).Positional)
        {
            if (positional is not DictValue d)
                throw new TemplateRuntimeException($"namespace() positional argument must be a dict, not {positional.TypeName}");
            foreach (var (k, v) in d.Entries)
                ns.Attributes[k is StringValue s ? s.Text : throw new TemplateRuntimeException("namespace() keys must be strings")] = v;
        }
        foreach (var (k, v) in a.Named)
            ns.Attributes[k] = v;
        return ns;
    }

    /// <summary>Python's <c>strftime</c> for the directives templates use (Llama 3.x date lines).</summary>
    internal static string Strftime(string format, DateTimeOffset t)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                sb.Append(format[i]);
                continue;
            }
            char d = format[++i];
            sb.Append(d switch
            {
                'Y' => t.Year.ToString("0000", c),
                'y' => (t.Year % 100).ToString("00", c),
                'm' => t.Month.ToString("00", c),
                'd' => t.Day.ToString("00", c),
                'B' => t.ToString("MMMM", c),
                'b' or 'h' => t.ToString("MMM", c),
                'A' => t.ToString("dddd", c),
                'a' => t.ToString("ddd", c),
                'H' => t.Hour.ToString("00", c),
                'I' => ((t.Hour + 11) % 12 + 1).ToString("00", c),
                'M' => t.Minute.ToString("00", c),
                'S' => t.Second.ToString("00", c),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'j' => t.DayOfYear.ToString("000", c),
                'e' => t.Day.ToString(c).PadLeft(2),
                'z' => (t.Offset < TimeSpan.Zero ? "-" : "+") + t.Offset.ToString("hhmm", c),
                '%' => "%",
                _ => throw new TemplateRuntimeException($"strftime_now: directive '%{d}' is not supported"),
            });
        }
        return sb.ToString();
    }
}
