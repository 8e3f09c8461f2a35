using StarChat.Text.Templates.Values;

namespace StarChat.Text.Templates.Evaluation;

/// <summary>
/// The Python methods chat templates call on strings, dicts and lists. Mutating methods fail, as in Hugging Face's
/// immutable sandbox; methods outside this list are undefined, so calling one names it in the error.
/// </summary>
internal static class Methods
{
    private static readonly HashSet<string> s_mutatingList = ["append", "extend", "insert", "pop", "remove", "sort", "reverse", "clear"];
    private static readonly HashSet<string> s_mutatingDict = ["update", "pop", "popitem", "setdefault", "clear"];

    public static FunctionValue? TryBindString(StringValue s, string name)
    {
        Func<CallArguments, Value>? f = name switch
        {
            "strip" => a => new StringValue(TextOps.Strip(s.Value, Chars(a.Expect(1, "chars")), left: true, right: true)),
            "lstrip" => a => new StringValue(TextOps.Strip(s.Value, Chars(a.Expect(1, "chars")), left: true, right: false)),
            "rstrip" => a => new StringValue(TextOps.Strip(s.Value, Chars(a.Expect(1, "chars")), left: false, right: true)),
            "split" => a => Split(s, a, fromRight: false),
            "rsplit" => a => Split(s, a, fromRight: true),
            "splitlines" => a => new ListValue([.. TextOps.SplitLines(s.Value).Select(p => (Value)new StringValue(p))]),
            "startswith" => a => BoolValue.Of(AnyAffix(a.Expect(1).Required(0, "prefix"), p => s.Text.StartsWith(p, StringComparison.Ordinal))),
            "endswith" => a => BoolValue.Of(AnyAffix(a.Expect(1).Required(0, "suffix"), p => s.Text.EndsWith(p, StringComparison.Ordinal))),
            "upper" => a => new StringValue(s.Value.Derive(s.Text.ToUpperInvariant())),
            "lower" => a => new StringValue(s.Value.Derive(s.Text.ToLowerInvariant())),
            "title" => a => new StringValue(s.Value.Derive(TextOps.PythonTitle(s.Text))),
            "capitalize" => a => new StringValue(s.Value.Derive(TextOps.Capitalize(s.Text))),
            "replace" => a => new StringValue(TextOps.Replace(s.Value, Str(a.Required(0, "old")), Str(a.Required(1, "new")), a.Get(2, "count") is IntValue n ? n.Value : -1, a.Budget)),
            "find" => a => new IntValue(s.Text.IndexOf(Text(a.Required(0, "sub")), StringComparison.Ordinal)),
            "rfind" => a => new IntValue(s.Text.LastIndexOf(Text(a.Required(0, "sub")), StringComparison.Ordinal)),
            "count" => a => new IntValue(TextOps.CountOccurrences(s.Text, Text(a.Required(0, "sub")))),
            "join" => a => Filters.Join(Access.Iterate(a.Expect(1).Required(0, "iterable")), s.Value, null, a.Budget),
            "removeprefix" => a => new StringValue(s.Text.StartsWith(Text(a.Required(0, "prefix")), StringComparison.Ordinal)
                ? s.Value.Slice(Text(a.Required(0, "prefix")).Length, s.Value.Length - Text(a.Required(0, "prefix")).Length) : s.Value),
            "removesuffix" => a => new StringValue(Text(a.Required(0, "suffix")) is { Length: > 0 } suf && s.Text.EndsWith(suf, StringComparison.Ordinal)
                ? s.Value.Slice(0, s.Value.Length - suf.Length) : s.Value),
            "isdigit" => a => BoolValue.Of(s.Text.Length > 0 && s.Text.All(char.IsDigit)),
            "isalpha" => a => BoolValue.Of(s.Text.Length > 0 && s.Text.All(char.IsLetter)),
            "isalnum" => a => BoolValue.Of(s.Text.Length > 0 && s.Text.All(char.IsLetterOrDigit)),
            "isspace" => a => BoolValue.Of(s.Text.Length > 0 && s.Text.All(Lexing.TemplateLexer.IsPythonSpace)),
            "islower" => a => BoolValue.Of(s.Text.Any(char.IsLetter) && !s.Text.Any(char.IsUpper)),
            "isupper" => a => BoolValue.Of(s.Text.Any(char.IsLetter) && !s.Text.Any(char.IsLower)),
            _ => null,
        };
        return f is null ? null : new FunctionValue("str." + name, f);
    }

    public static FunctionValue? TryBindDict(DictValue d, string name)
    {
        Func<CallArguments, Value>? f = name switch
        {
            "items" => a => new ListValue([.. d.Entries.Select(e => (Value)new ListValue([e.Key, e.Value], isTuple: true))]),
            "keys" => a => new ListValue([.. d.Entries.Select(e => e.Key)]),
            "values" => a => new ListValue([.. d.Entries.Select(e => e.Value)]),
            "get" => a => d.TryGet(a.Expect(2, "key", "default").Required(0, "key"), out var v) ? v : a.Get(1, "default") ?? NoneValue.Instance,
            "copy" => a => d,
            _ when s_mutatingDict.Contains(name) => a => throw Immutable("dict", name),
            _ => null,
        };
        return f is null ? null : new FunctionValue("dict." + name, f);
    }

    public static FunctionValue? TryBindList(ListValue l, string name)
    {
        Func<CallArguments, Value>? f = name switch
        {
            "index" => a =>
            {
                var item = a.Required(0, "value");
                for (int i = 0; i < l.Items.Count; i++)
                {
                    if (ValueEquality.AreEqual(l.Items[i], item))
                        return new IntValue(i);
                }
                throw new TemplateRuntimeException("list.index(x): x not in list");
            },
            "count" => a => new IntValue(l.Items.Count(x => ValueEquality.AreEqual(x, a.Required(0, "value")))),
            "copy" => a => l,
            _ when s_mutatingList.Contains(name) => a => throw Immutable(l.TypeName, name),
            _ => null,
        };
        return f is null ? null : new FunctionValue(l.TypeName + "." + name, f);
    }

    private static TemplateRuntimeException Immutable(string type, string method) =>
        new($"{type}.{method}() is not allowed: values are immutable in chat templates (use a namespace() to carry state)");

    private static string? Chars(CallArguments a) => a.Get(0, "chars") switch
    {
        null or NoneValue => null,
        StringValue s => s.Text,
        var v => throw new TemplateRuntimeException($"{a.Callee}() argument must be str or None, not {v.TypeName}"),
    };

    private static ListValue Split(StringValue s, CallArguments a, bool fromRight)
    {
        a.Expect(2, "sep", "maxsplit");
        string? sep = a.Get(0, "sep") switch
        {
            null or NoneValue => null,
            StringValue { Text.Length: 0 } => throw new TemplateRuntimeException("empty separator"),
            StringValue v => v.Text,
            var v => throw new TemplateRuntimeException($"must be str or None, not {v.TypeName}"),
        };
        long max = a.Get(1, "maxsplit") is IntValue m ? m.Value : -1;
        return new ListValue([.. TextOps.Split(s.Value, sep, max, fromRight).Select(p => (Value)new StringValue(p))]);
    }

    private static bool AnyAffix(Value arg, Func<string, bool> test) => arg switch
    {
        StringValue s => test(s.Text),
        ListValue { IsTuple: true } t => t.Items.Any(i => test(Text(i))),
        _ => throw new TemplateRuntimeException($"startswith/endswith first arg must be str or a tuple of str, not {arg.TypeName}"),
    };

    private static string Text(Value v) => v is StringValue s ? s.Text : throw new TemplateRuntimeException($"expected a string, not {v.TypeName}");

    private static TemplateString Str(Value v) => v is StringValue s ? s.Value : throw new TemplateRuntimeException($"expected a string, not {v.TypeName}");
}
